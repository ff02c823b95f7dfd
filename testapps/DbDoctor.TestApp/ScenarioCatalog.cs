using DbDoctor.TestApp.Scenarios;

namespace DbDoctor.TestApp;

/// <summary>Maps each scenario name to the code that sets its failure up.</summary>
public static class ScenarioCatalog
{
    private delegate Task<ScenarioOutcome> ScenarioSetup(AppOptions options, BackgroundWork background);

    private static readonly Dictionary<string, ScenarioSetup> Scenarios = new(StringComparer.Ordinal)
    {
        ["npgsql-transaction-leak"] = NpgsqlLeakScenarios.TransactionLeakAsync,
        ["npgsql-reader-leak"] = NpgsqlLeakScenarios.ReaderLeakAsync,
        ["npgsql-connection-leak"] = NpgsqlLeakScenarios.ConnectionLeakAsync,
        ["npgsql-pool-leak"] = NpgsqlLeakScenarios.PoolLeakAsync,
        ["npgsql-finished-async"] = NpgsqlFinishedAsyncScenario.RunAsync,
        ["npgsql-healthy"] = NpgsqlLoadScenarios.HealthyAsync,
        ["npgsql-leak-under-load"] = NpgsqlLoadScenarios.LeakUnderLoadAsync,
        ["sqlite-transaction-leak"] = SqliteScenarios.TransactionLeakAsync,
        ["sqlite-reader-leak"] = SqliteScenarios.ReaderLeakAsync,
        ["sqlite-sprawl"] = SqliteScenarios.SprawlAsync,
        ["sqlite-mixed"] = SqliteScenarios.MixedAsync,
        ["sqlite-held"] = SqliteHolderScenarios.HeldAsync,
        ["mixed"] = MixedScenario.RunAsync,
        ["npgsql-churn-unpooled"] = NpgsqlChurnScenarios.UnpooledChurnAsync,
        ["npgsql-churn-idle-lifetime"] = NpgsqlChurnScenarios.IdleLifetimeChurnAsync,
        ["npgsql-stale"] = NpgsqlChurnScenarios.StaleConnectionsAsync,
        ["npgsql-fixed-rate"] = FixedRateScenario.RunAsync,
        ["generic-leak"] = GenericLeakScenario.RunAsync,
        ["mysql-transaction-leak"] = MySqlLeakScenarios.TransactionLeakAsync,
        ["mysql-reader-leak"] = MySqlLeakScenarios.ReaderLeakAsync,
        ["mysql-connection-leak"] = MySqlLeakScenarios.ConnectionLeakAsync,
        ["mysql-pool-leak"] = MySqlLeakScenarios.PoolLeakAsync,
        ["mysql-sprawl"] = MySqlLeakScenarios.SprawlAsync,
        ["mysql-healthy"] = MySqlLoadScenarios.HealthyAsync,
        ["mysql-exhaustion"] = MySqlLoadScenarios.ExhaustionAsync,
        ["mysql-churn-unpooled"] = MySqlChurnScenarios.UnpooledChurnAsync,
        ["mysql-churn-idle-timeout"] = MySqlChurnScenarios.IdleTimeoutChurnAsync,
        ["mysql-stale"] = MySqlChurnScenarios.StaleConnectionsAsync,
        ["mysqldata-leak"] = MySqlDataScenario.RunAsync,
        ["no-driver"] = NoDriverScenario.RunAsync,
    };

    public static string Usage =>
        "usage: DbDoctor.TestApp <scenario> [--pg <connection string>] [--mysql <connection string>] [--count N] [--sqlite-dir DIR] [--app-name NAME] [--ballast OBJECTS] [...]\n"
        + "scenarios: " + string.Join(", ", Scenarios.Keys);

    public static async Task<int> RunAsync(string scenario, AppOptions options)
    {
        if (!Scenarios.TryGetValue(scenario, out var setup))
        {
            throw new TestAppUsageException($"unknown scenario '{scenario}'");
        }

        using var background = new BackgroundWork();
        try
        {
            // Read before the scenario's RejectUnused, so every scenario honours --ballast.
            var ballastObjects = Ballast.AllocateFromOptions(options);
            var outcome = await setup(options, background);
            if (ballastObjects > 0)
            {
                outcome.Info["ballastObjects"] = ballastObjects;
            }

            Handshake.Write(scenario, outcome);
            await Handshake.WaitForExitAsync();
        }
        finally
        {
            await background.StopAsync(TimeSpan.FromSeconds(3));
        }

        return 0;
    }
}
