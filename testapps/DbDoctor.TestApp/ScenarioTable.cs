namespace DbDoctor.TestApp;

/// <summary>How a scenario sets its failure up; it may keep load running in <paramref name="background"/>.</summary>
public delegate Task<ScenarioOutcome> ScenarioSetup(AppOptions options, BackgroundWork background);

/// <summary>
/// Scenario names mapped to their setup, and the run every scenario shares: set the failure up, print the handshake,
/// wait for "exit". Shared by the test app (every scenario) and the demo app the tool ships (the SQLite ones only).
/// </summary>
public sealed class ScenarioTable(string usageLine, IReadOnlyDictionary<string, ScenarioSetup> scenarios)
{
    public string Usage => usageLine + "\nscenarios: " + string.Join(", ", scenarios.Keys);

    public async Task<int> RunAsync(string scenario, AppOptions options)
    {
        if (!scenarios.TryGetValue(scenario, out var setup))
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
