namespace DbDoctor.TestApp.Scenarios;

/// <summary>Everything at once, across both drivers: what a real service in trouble looks like.</summary>
public static class MixedScenario
{
    public const int NpgsqlTransactionLeaks = 3;
    public const int NpgsqlReaderLeaks = 2;
    public const int NpgsqlConnectionLeaks = 4;
    public const int NpgsqlPoolLeaks = 2;
    public const int SqliteTransactionLeaks = 1;
    public const int Workers = 2;

    public static async Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        var connectionString = NpgsqlSetup.ConnectionString(options);
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < NpgsqlTransactionLeaks; i++)
        {
            RequestPipeline.Handle(() => NpgsqlLeakScenarios.LeakTransaction(dataSource, i));
        }

        for (var i = 0; i < NpgsqlReaderLeaks; i++)
        {
            NpgsqlLeakScenarios.LeakReader(dataSource);
        }

        for (var i = 0; i < NpgsqlConnectionLeaks; i++)
        {
            NpgsqlLeakScenarios.LeakConnection(dataSource);
        }

        for (var i = 0; i < NpgsqlPoolLeaks; i++)
        {
            NpgsqlLeakScenarios.LeakTenantDataSource(
                NpgsqlLeakScenarios.TenantConnectionString(connectionString, "distinct", i).ConnectionString);
        }

        await NpgsqlLoadScenarios.HoldNotificationListenerAsync(dataSource);
        var counters = new LoadCounters();
        NpgsqlLoadScenarios.StartWorkers(background, dataSource, Workers, counters);

        var lockedFiles = SqliteScenarios.LeakTransactions(directory, SqliteTransactionLeaks);
        await NpgsqlLoadScenarios.WaitForFirstQueriesAsync(counters, Workers);

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["leaked-transaction"] = NpgsqlTransactionLeaks + SqliteTransactionLeaks;
        outcome.Expected["leaked-reader"] = NpgsqlReaderLeaks;
        outcome.Expected["leaked-connection"] = NpgsqlConnectionLeaks;
        outcome.Expected["leaked-pool"] = NpgsqlPoolLeaks;
        outcome.Expected["held-connection"] = 1;
        outcome.Info["npgsql"] = new System.Text.Json.Nodes.JsonObject
        {
            ["leaked-transaction"] = NpgsqlTransactionLeaks,
            ["leaked-reader"] = NpgsqlReaderLeaks,
            ["leaked-connection"] = NpgsqlConnectionLeaks,
            ["leaked-pool"] = NpgsqlPoolLeaks,
            ["held-connection"] = 1,
        };
        outcome.Info["sqlite"] = new System.Text.Json.Nodes.JsonObject { ["leaked-transaction"] = SqliteTransactionLeaks };
        outcome.Info["tenantApplicationNamePrefix"] = connectionString.ApplicationName + "-tenant";
        outcome.Info["directory"] = directory;
        outcome.Info["lockProbe"] = SqliteFiles.ProbeWrite(lockedFiles[0]);
        return outcome;
    }
}
