using System.Runtime.CompilerServices;
using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// The classic leaks. Every leak happens in its own non-inlined method, so no stack slot of a caller keeps the leaked
/// objects reachable: once the method returns, only the driver's own references (pool slots, registries) remain.
/// </summary>
public static class NpgsqlLeakScenarios
{
    public static async Task<ScenarioOutcome> TransactionLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 90);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count; i++)
        {
            RequestPipeline.Handle(() => LeakTransaction(dataSource, i));
        }

        var outcome = NewOutcome(connectionString);
        outcome.Expected["leaked-transaction"] = count;
        return outcome;
    }

    public static async Task<ScenarioOutcome> ReaderLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 90);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count; i++)
        {
            LeakReader(dataSource);
        }

        var outcome = NewOutcome(connectionString);
        outcome.Expected["leaked-reader"] = count;
        outcome.Info["readerSql"] = ReaderSql;
        return outcome;
    }

    public static async Task<ScenarioOutcome> ConnectionLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 90);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count; i++)
        {
            LeakConnection(dataSource);
        }

        var outcome = NewOutcome(connectionString);
        outcome.Expected["leaked-connection"] = count;
        return outcome;
    }

    /// <summary>A multi-tenant router that builds a data source per tenant and never disposes it.</summary>
    public static async Task<ScenarioOutcome> PoolLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 40);
        var mode = options.GetString("mode") ?? "distinct";
        if (mode is not ("distinct" or "identical"))
        {
            throw new TestAppUsageException($"--mode must be distinct or identical, got '{mode}'");
        }

        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        // The properly held data source: one idle connection, reachable from a static; not a leak.
        var held = await OpenMainDataSourceAsync(connectionString);
        await using (var connection = await held.OpenConnectionAsync())
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        var tenantNames = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var tenant = TenantConnectionString(connectionString, mode, i);
            tenantNames.Add(tenant.ApplicationName!);
            LeakTenantDataSource(tenant.ConnectionString);
        }

        var outcome = NewOutcome(connectionString);
        outcome.Expected["leaked-pool"] = count;
        outcome.Info["mode"] = mode;
        outcome.Info["tenantApplicationNamePrefix"] = connectionString.ApplicationName + "-tenant";
        outcome.Info["distinctTenantApplicationNames"] = tenantNames.Distinct(StringComparer.Ordinal).Count();
        return outcome;
    }

    public static NpgsqlConnectionStringBuilder TenantConnectionString(NpgsqlConnectionStringBuilder connectionString, string mode, int tenant) =>
        NpgsqlSetup.With(connectionString, b => b.ApplicationName = NpgsqlSetup.Truncate(
            mode == "distinct" ? $"{connectionString.ApplicationName}-tenant-{tenant}" : $"{connectionString.ApplicationName}-tenant"));

    /// <summary>The application's one data source, held in a static for the whole process life: its pool is not leaked.</summary>
    public static async Task<NpgsqlDataSource> OpenMainDataSourceAsync(NpgsqlConnectionStringBuilder connectionString)
    {
        await NpgsqlSetup.EnsureTableAsync(connectionString);
        ApplicationStatics.MainDataSource = NpgsqlDataSource.Create(connectionString.ConnectionString);
        return ApplicationStatics.MainDataSource;
    }

    public static ScenarioOutcome NewOutcome(NpgsqlConnectionStringBuilder connectionString)
    {
        var outcome = new ScenarioOutcome();
        outcome.Info["applicationName"] = connectionString.ApplicationName;
        outcome.Info["database"] = connectionString.Database;
        return outcome;
    }

    public const string ReaderSql = "SELECT generate_series(1, 10000)";

    /// <summary>Begins a transaction, writes, then fails: nobody rolls back, disposes or closes anything.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakTransaction(NpgsqlDataSource dataSource, int request)
    {
        var connection = dataSource.OpenConnection();
        var transaction = connection.BeginTransaction();
        var command = new NpgsqlCommand(
            $"INSERT INTO {NpgsqlSetup.TableName} (tenant, payload) VALUES ('orders', @payload)", connection, transaction);
        command.Parameters.AddWithValue("payload", request);
        command.ExecuteNonQuery();
        throw new InvalidOperationException($"request {request}: validation failed after the order was written");
    }

    /// <summary>Reads a few rows of a long result, then walks away from reader and connection.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakReader(NpgsqlDataSource dataSource)
    {
        var connection = dataSource.OpenConnection();
        var command = new NpgsqlCommand(ReaderSql, connection);
        var reader = command.ExecuteReader();
        for (var row = 0; row < 3 && reader.Read(); row++)
        {
            _ = reader.GetInt32(0);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakConnection(NpgsqlDataSource dataSource)
    {
        var connection = dataSource.OpenConnection();
        var command = new NpgsqlCommand("SELECT count(*) FROM pg_class", connection);
        _ = command.ExecuteScalar();
    }

    /// <summary>Creates a tenant's data source, uses it once (its pool keeps one idle connection) and drops it undisposed.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakTenantDataSource(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        using var connection = dataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT 1", connection);
        _ = command.ExecuteScalar();
    }
}
