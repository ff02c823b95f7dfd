using System.Runtime.CompilerServices;
using MySqlConnector;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// The classic leaks on MySqlConnector. Each leak happens in its own non-inlined method, so no caller's stack slot keeps
/// the leaked objects: once it returns only the driver's references remain. MySqlConnector remembers a leased session
/// through a weak reference to its MySqlConnection, so a leaked connection (and its transaction) is collected and what
/// stays is the leased session, until the driver "recovers" it (when its pool runs dry, or on the reaper's tick).
/// </summary>
public static class MySqlLeakScenarios
{
    public const string ReaderSql = "SELECT seq FROM seq_1_to_2000000";

    /// <summary>
    /// UPDATE one row each (InnoDB row locks), then fail: nobody rolls back, disposes or closes anything. With
    /// --recover true the pool's Maximum Pool Size is the leak count, and one more request after the leaks finds the pool
    /// empty: the driver then "recovers" every leaked session whose MySqlConnection the GC collected into its idle list,
    /// hands one of them to that request (resetting it, which rolls its transaction back) and keeps the others idle with
    /// their transactions still open on the server.
    /// </summary>
    public static async Task<ScenarioOutcome> TransactionLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, min: 1, max: 90);
        var recover = (options.GetString("recover") ?? "false") switch
        {
            "true" => true,
            "false" => false,
            var other => throw new TestAppUsageException($"--recover must be true or false, got '{other}'"),
        };
        var connectionString = MySqlSetup.ConnectionString(options);
        if (recover)
        {
            connectionString = MySqlSetup.With(connectionString, b => b.MaximumPoolSize = (uint)count);
        }

        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString, rows: count);
        for (var i = 0; i < count; i++)
        {
            var row = i + 1;
            RequestPipeline.Handle(() => LeakTransaction(dataSource, row));
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        if (recover)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            await using (var next = await dataSource.OpenConnectionAsync())
            await using (var command = new MySqlCommand("SELECT 1", next))
            {
                await command.ExecuteScalarAsync();
            }

            outcome.Info["recoveredWithOpenTransaction"] = count - 1;
        }

        outcome.Expected["leaked-transaction"] = recover ? count - 1 : count;
        outcome.Info["rowsLockedPerTransaction"] = 1;
        outcome.Info["sqlPrefix"] = $"UPDATE {MySqlSetup.TableName}";
        return outcome;
    }

    public static async Task<ScenarioOutcome> ReaderLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 90);
        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count; i++)
        {
            LeakReader(dataSource);
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["leaked-reader"] = count;
        outcome.Info["readerSql"] = ReaderSql;
        return outcome;
    }

    public static async Task<ScenarioOutcome> ConnectionLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 90);
        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count; i++)
        {
            LeakConnection(dataSource);
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["leaked-connection"] = count;
        return outcome;
    }

    /// <summary>
    /// A multi-tenant router that builds a MySqlDataSource per tenant and never disposes it: the data source is collected,
    /// its pool is not (the driver's pool list and the pool's reaper keep it, with its idle session open on the server).
    /// </summary>
    public static async Task<ScenarioOutcome> PoolLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 5, max: 40);
        var mode = options.GetString("mode") ?? "distinct";
        if (mode is not ("distinct" or "identical"))
        {
            throw new TestAppUsageException($"--mode must be distinct or identical, got '{mode}'");
        }

        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();

        // The properly held data source: one idle connection, reachable from a static; not a leak.
        var held = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        await using (var connection = await held.OpenConnectionAsync())
        {
            await using var command = new MySqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        }

        for (var i = 0; i < count; i++)
        {
            var tenant = MySqlSetup.With(connectionString, b => b.ApplicationName = mode == "distinct" ? $"tenant-{i}" : "tenant");
            LeakTenantDataSource(tenant.ConnectionString);
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["leaked-pool"] = count;
        outcome.Info["mode"] = mode;
        return outcome;
    }

    /// <summary>
    /// One connection string per tenant database, opened with <c>new MySqlConnection(cs)</c> and disposed properly: each is
    /// a driver-managed pool in the driver's static registry, with one idle session per tenant.
    /// </summary>
    public static async Task<ScenarioOutcome> SprawlAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 8, min: 2, max: 40);
        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();

        for (var i = 0; i < count; i++)
        {
            var tenant = MySqlSetup.With(connectionString, b => b.Database = MySqlSetup.TenantDatabase(connectionString, i));
            await MySqlSetup.EnsureDatabaseAsync(tenant, rows: 1);
            await using var connection = new MySqlConnection(tenant.ConnectionString);
            await connection.OpenAsync();
            await using var command = new MySqlCommand($"SELECT COUNT(*) FROM {MySqlSetup.TableName}", connection);
            await command.ExecuteScalarAsync();
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["pool-sprawl"] = 1;
        outcome.Info["tenants"] = count;
        outcome.Info["tenantDatabasePrefix"] = connectionString.Database + "_tenant_";
        return outcome;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakTransaction(MySqlDataSource dataSource, int row)
    {
        var connection = dataSource.OpenConnection();
        var transaction = connection.BeginTransaction();
        var command = new MySqlCommand($"UPDATE {MySqlSetup.TableName} SET payload = payload + 1 WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", row);
        command.ExecuteNonQuery();
        throw new InvalidOperationException($"request for row {row}: validation failed after the row was updated");
    }

    /// <summary>Reads a few rows of a long result (an abandoned lazy enumeration), then walks away from reader and connection.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakReader(MySqlDataSource dataSource)
    {
        foreach (var value in LazyRows(dataSource).Take(3))
        {
            _ = value;
        }
    }

    /// <summary>
    /// A lazy enumeration without <c>using</c> (a hand-written "yield" query helper): the caller stops early, nothing
    /// disposes the reader or the connection.
    /// </summary>
    private static IEnumerable<long> LazyRows(MySqlDataSource dataSource)
    {
        var connection = dataSource.OpenConnection();
        var command = new MySqlCommand(ReaderSql, connection);
        var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return reader.GetInt64(0);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakConnection(MySqlDataSource dataSource)
    {
        var connection = dataSource.OpenConnection();
        var command = new MySqlCommand($"SELECT COUNT(*) FROM {MySqlSetup.TableName}", connection);
        _ = command.ExecuteScalar();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakTenantDataSource(string connectionString)
    {
        var dataSource = new MySqlDataSource(connectionString);
        using var connection = dataSource.OpenConnection();
        using var command = new MySqlCommand("SELECT 1", connection);
        _ = command.ExecuteScalar();
    }
}
