using DbDoctor.TestApp.Scenarios;

namespace DbDoctor.TestApp;

/// <summary>Every scenario of the test app (the demo app the tool ships has its own, SQLite-only table).</summary>
public static class ScenarioCatalog
{
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
        ["sqlite-wide"] = SqliteHolderScenarios.HeldBehindWideObjectAsync,
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

    private static readonly ScenarioTable Table = new(
        "usage: DbDoctor.TestApp <scenario> [--pg <connection string>] [--mysql <connection string>] [--count N] [--sqlite-dir DIR] [--app-name NAME] [--ballast OBJECTS [--ballast-shape customers|list|dictionary|linked-list]] [...]",
        Scenarios);

    public static string Usage => Table.Usage;

    public static Task<int> RunAsync(string scenario, AppOptions options) => Table.RunAsync(scenario, options);
}
