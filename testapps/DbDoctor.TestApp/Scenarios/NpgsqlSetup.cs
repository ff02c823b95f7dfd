using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// What the application itself holds for its whole life. These statics are the application's roots: anything reachable
/// from here is in use, by definition; leaked objects are never stored here.
/// </summary>
public static class ApplicationStatics
{
    public static NpgsqlDataSource? MainDataSource { get; set; }

    /// <summary>A connection held on purpose for the whole process life (LISTEN): legitimate, not a leak.</summary>
    public static NpgsqlConnection? NotificationListener { get; set; }
}

/// <summary>Connection strings and the scratch table shared by the Npgsql scenarios.</summary>
public static class NpgsqlSetup
{
    public const string TableName = "dbdoctor_items";
    public const string ListenChannel = "dbdoctor_channel";

    /// <summary>
    /// The --pg connection string (with its password: dbdoctor must never print it) plus an application name that lets
    /// the tests find this process's sessions in pg_stat_activity.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ConnectionString(AppOptions options)
    {
        var builder = new NpgsqlConnectionStringBuilder(options.GetRequiredString("pg"))
        {
            ApplicationName = ApplicationName(options),
        };
        if (string.IsNullOrEmpty(builder.Password))
        {
            Console.Error.WriteLine("warning: --pg carries no password");
        }

        return builder;
    }

    public static string ApplicationName(AppOptions options) =>
        options.GetString("app-name") ?? $"dbdoctor-testapp-{Environment.ProcessId}";

    public static NpgsqlConnectionStringBuilder With(NpgsqlConnectionStringBuilder source, Action<NpgsqlConnectionStringBuilder> change)
    {
        var copy = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        change(copy);
        return copy;
    }

    /// <summary>
    /// Creates the scratch table through an unpooled connection, so setup leaves no session behind that the tests
    /// would have to tell apart from the leaked ones.
    /// </summary>
    public static async Task EnsureTableAsync(NpgsqlConnectionStringBuilder connectionString)
    {
        var setup = With(connectionString, b =>
        {
            b.Pooling = false;
            b.ApplicationName = Truncate(connectionString.ApplicationName + "-setup");
        });
        await using var connection = new NpgsqlConnection(setup.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {TableName} (id bigserial PRIMARY KEY, tenant text NOT NULL, payload int NOT NULL, created timestamptz NOT NULL DEFAULT now())",
            connection);
        try
        {
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another scenario process created it at the same moment: IF NOT EXISTS is not atomic in PostgreSQL.
        }
    }

    /// <summary>PostgreSQL keeps at most 63 bytes of application_name.</summary>
    public static string Truncate(string applicationName) =>
        applicationName.Length <= 63 ? applicationName : applicationName[..63];
}
