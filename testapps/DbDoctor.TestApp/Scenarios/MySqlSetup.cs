using MySqlConnector;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>What a MySQL application holds for its whole life (its roots); leaked objects are never stored here.</summary>
public static class MySqlStatics
{
    public static MySqlDataSource? MainDataSource { get; set; }

    /// <summary>A connection held on purpose for the process life (it owns a named lock, GET_LOCK): not a leak.</summary>
    public static MySqlConnection? LockHolder { get; set; }
}

/// <summary>
/// Connection strings and the scratch table of the MySqlConnector scenarios. Each scenario process works in the database
/// of its --mysql connection string (created here if missing), so the server's view of one scenario is
/// information_schema.processlist filtered by that database; tenant databases are named after it.
/// </summary>
public static class MySqlSetup
{
    public const string TableName = "dbdoctor_items";
    public const string LockName = "dbdoctor-lock-holder";

    /// <summary>The --mysql connection string (with its password: dbdoctor must never print it); it must name a database.</summary>
    public static MySqlConnectionStringBuilder ConnectionString(AppOptions options)
    {
        var builder = new MySqlConnectionStringBuilder(options.GetRequiredString("mysql"));
        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new TestAppUsageException("--mysql must name a Database (each scenario works in a database of its own)");
        }

        if (string.IsNullOrEmpty(builder.Password))
        {
            Console.Error.WriteLine("warning: --mysql carries no password");
        }

        return builder;
    }

    public static MySqlConnectionStringBuilder With(MySqlConnectionStringBuilder source, Action<MySqlConnectionStringBuilder> change)
    {
        var copy = new MySqlConnectionStringBuilder(source.ConnectionString);
        change(copy);
        return copy;
    }

    public static string TenantDatabase(MySqlConnectionStringBuilder connectionString, int tenant) => $"{connectionString.Database}_tenant_{tenant}";

    /// <summary>
    /// Creates the database and its InnoDB table with <paramref name="rows"/> rows (ids 1..rows) through an unpooled
    /// connection without a database, so setup leaves no session behind among the scenario's own.
    /// </summary>
    public static async Task EnsureDatabaseAsync(MySqlConnectionStringBuilder connectionString, int rows = 100, string? database = null)
    {
        database ??= connectionString.Database;
        var setup = With(connectionString, b =>
        {
            b.Pooling = false;
            b.Database = "";
        });
        await using var connection = new MySqlConnection(setup.ConnectionString);
        await connection.OpenAsync();
        var quoted = "`" + database.Replace("`", "``", StringComparison.Ordinal) + "`";
        await ExecuteAsync(connection, $"CREATE DATABASE IF NOT EXISTS {quoted}");
        await ExecuteAsync(connection,
            $"CREATE TABLE IF NOT EXISTS {quoted}.{TableName} (id BIGINT NOT NULL PRIMARY KEY, tenant VARCHAR(64) NOT NULL, payload INT NOT NULL) ENGINE=InnoDB");
        await ExecuteAsync(connection,
            $"INSERT IGNORE INTO {quoted}.{TableName} (id, tenant, payload) SELECT seq, 'orders', 0 FROM {quoted}.seq_1_to_{Math.Max(1, rows)}");
    }

    private static async Task ExecuteAsync(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The application's one data source, held in a static for the whole process life: its pool is not leaked.</summary>
    public static async Task<MySqlDataSource> OpenMainDataSourceAsync(MySqlConnectionStringBuilder connectionString, int rows = 100)
    {
        await EnsureDatabaseAsync(connectionString, rows);
        MySqlStatics.MainDataSource = new MySqlDataSource(connectionString.ConnectionString);
        return MySqlStatics.MainDataSource;
    }

    public static ScenarioOutcome NewOutcome(MySqlConnectionStringBuilder connectionString)
    {
        var outcome = new ScenarioOutcome();
        outcome.Info["database"] = connectionString.Database;
        outcome.Info["driverVersion"] = DriverVersion(typeof(MySqlConnection));
        return outcome;
    }

    /// <summary>The package version (the assembly version of MySqlConnector stays 2.0.0.0 across 2.x).</summary>
    public static string? DriverVersion(Type driverType) =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(driverType.Assembly)
            ?.InformationalVersion.Split('+')[0];
}
