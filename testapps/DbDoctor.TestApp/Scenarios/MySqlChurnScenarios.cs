using MySqlConnector;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// MySqlConnector configuration failures: a physical connection per query (Pooling=false, or a ConnectionIdleTimeout
/// far below the request interval), and a pool that keeps sessions idle longer than the server's wait_timeout.
/// </summary>
public static class MySqlChurnScenarios
{
    /// <summary>Pooling=false under steady load: every query is a new TCP connection, handshake and server thread.</summary>
    public static async Task<ScenarioOutcome> UnpooledChurnAsync(AppOptions options, BackgroundWork background)
    {
        var workers = options.GetInt("workers", 2, min: 1, max: 16);
        var pauseMs = options.GetInt("pause-ms", 5, max: 10_000);
        var connectionString = MySqlSetup.With(MySqlSetup.ConnectionString(options), b => b.Pooling = false);
        options.RejectUnused();

        await MySqlSetup.EnsureDatabaseAsync(connectionString);
        var counters = new LoadCounters();
        for (var worker = 0; worker < workers; worker++)
        {
            background.Start(async stopping =>
            {
                do
                {
                    await MySqlLoadScenarios.QueryOnceAsync(() => new MySqlConnection(connectionString.ConnectionString), counters, stopping);
                }
                while (await BackgroundWork.PauseAsync(pauseMs, stopping));
            });
        }

        await MySqlLoadScenarios.WaitForFirstQueriesAsync(counters, workers);
        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["connection-churn"] = 1;
        outcome.Info["workers"] = workers;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["pooling"] = false;
        return outcome;
    }

    /// <summary>
    /// A pool whose ConnectionIdleTimeout (1 s; the reaper then runs every second) is far below the pause between bursts:
    /// each burst opens its sessions again. The data source is held in a static, as a well-behaved service would.
    /// </summary>
    public static async Task<ScenarioOutcome> IdleTimeoutChurnAsync(AppOptions options, BackgroundWork background)
    {
        var burst = options.GetInt("burst", 8, min: 1, max: 50);
        var queriesPerTask = options.GetInt("queries", 5, min: 1, max: 1000);
        var pauseMs = options.GetInt("pause-ms", 2500, min: 10, max: 600_000);
        var connectionString = MySqlSetup.With(MySqlSetup.ConnectionString(options), b =>
        {
            b.ConnectionIdleTimeout = 1;
            b.MinimumPoolSize = 0;
        });
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        var counters = new LoadCounters();
        background.Start(async stopping =>
        {
            do
            {
                await RunBurstAsync(dataSource, burst, queriesPerTask, counters, stopping, opened: null);
            }
            while (await BackgroundWork.PauseAsync(pauseMs, stopping));
        });

        await MySqlLoadScenarios.WaitForFirstQueriesAsync(counters, burst);
        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["connection-churn"] = 1;
        outcome.Info["burst"] = burst;
        outcome.Info["queriesPerTask"] = queriesPerTask;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["idleTimeoutSeconds"] = 1;
        return outcome;
    }

    /// <summary>
    /// A pool keeping idle sessions for minutes (ConnectionIdleTimeout 300 s) in front of a server whose wait_timeout is a
    /// few seconds (run it with --wait-timeout), and requests after pauses longer than that. With the default
    /// Connection Reset=true the driver finds the dead session when it resets it, swallows the error and opens another;
    /// with --connection-reset false the application's command fails ("unexpected EOF"). The handshake waits until the
    /// first dead session was replaced (a reused connection came back with a server thread never seen before) or failed.
    /// </summary>
    public static async Task<ScenarioOutcome> StaleConnectionsAsync(AppOptions options, BackgroundWork background)
    {
        // One request at a time by default: then any new server thread after the first burst is a replaced session.
        var burst = options.GetInt("burst", 1, min: 1, max: 50);
        var pauseMs = options.GetInt("pause-ms", 4000, min: 10, max: 600_000);
        var reset = (options.GetString("connection-reset") ?? "true") switch
        {
            "true" => true,
            "false" => false,
            var other => throw new TestAppUsageException($"--connection-reset must be true or false, got '{other}'"),
        };
        var connectionString = MySqlSetup.With(MySqlSetup.ConnectionString(options), b =>
        {
            b.ConnectionIdleTimeout = 300;
            b.ConnectionReset = reset;
        });
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        long waitTimeout;
        await using (var probe = await dataSource.OpenConnectionAsync())
        await using (var command = new MySqlCommand("SELECT @@wait_timeout", probe))
        {
            waitTimeout = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        var counters = new LoadCounters();
        var threads = new ThreadIdSet();
        var bursts = 0;
        background.Start(async stopping =>
        {
            do
            {
                await RunBurstAsync(dataSource, burst, 1, counters, stopping, opened: c => threads.Add(c.ServerThread, Volatile.Read(ref bursts)));
                Interlocked.Increment(ref bursts);
            }
            while (await BackgroundWork.PauseAsync(pauseMs, stopping));
        });

        var deadline = DateTime.UtcNow.AddSeconds(30 + (pauseMs / 1000.0 * 3));
        while (counters.Failures == 0 && threads.NewAfterFirstBurst == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        if (counters.Failures == 0 && threads.NewAfterFirstBurst == 0)
        {
            throw new ScenarioFailedException($"no session went stale after a pause: is the server's wait_timeout ({waitTimeout} s) below --pause-ms?");
        }

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["stale-connection"] = 1;
        outcome.Info["burst"] = burst;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["idleTimeoutSeconds"] = 300;
        outcome.Info["waitTimeoutSeconds"] = waitTimeout;
        outcome.Info["connectionReset"] = reset;
        outcome.Info["firstFailure"] = counters.LastFailure;
        outcome.Info["replacedSessions"] = threads.NewAfterFirstBurst;
        return outcome;
    }

    private static async Task RunBurstAsync(
        MySqlDataSource dataSource, int tasks, int queriesPerTask, LoadCounters counters, CancellationToken stopping, Action<MySqlConnection>? opened)
    {
        var all = new List<Task>();
        for (var t = 0; t < tasks; t++)
        {
            all.Add(Task.Run(async () =>
            {
                for (var q = 0; q < queriesPerTask && !stopping.IsCancellationRequested; q++)
                {
                    await MySqlLoadScenarios.QueryOnceAsync(dataSource.CreateConnection, counters, stopping, opened);
                }
            }, stopping));
        }

        try
        {
            await Task.WhenAll(all);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The app is stopping mid-burst.
        }
    }

    /// <summary>Server thread ids seen per burst: a thread first seen after the first burst replaced a session the server dropped.</summary>
    private sealed class ThreadIdSet
    {
        private readonly HashSet<int> seen = [];
        private int newAfterFirstBurst;

        public int NewAfterFirstBurst => Volatile.Read(ref newAfterFirstBurst);

        public void Add(int threadId, int burst)
        {
            lock (seen)
            {
                if (seen.Add(threadId) && burst > 0)
                {
                    newAfterFirstBurst++;
                }
            }
        }
    }
}
