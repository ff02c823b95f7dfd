namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// A .NET service that uses no database driver: its process never loads Npgsql, MySqlConnector or Microsoft.Data.Sqlite
/// (the handshake says which of them are mapped), so `dbdoctor watch --all` must leave it alone.
/// </summary>
public static class NoDriverScenario
{
    public static Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        options.RejectUnused();
        background.Start(async stopping =>
        {
            // Some work of its own, so it is a live service and not a process stuck at start-up.
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });

        var outcome = new ScenarioOutcome();
        outcome.Info["loadedAssemblies"] = new System.Text.Json.Nodes.JsonArray(
            AppDomain.CurrentDomain.GetAssemblies().Select(a => (System.Text.Json.Nodes.JsonNode?)a.GetName().Name).ToArray());
        return Task.FromResult(outcome);
    }
}
