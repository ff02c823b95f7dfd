using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// Configuration failures rather than leaks: a service that opens a physical connection per query (pooling off, or a
/// pool that forgets its connections between bursts), and a pool that keeps connections idle longer than the server
/// keeps their sessions.
/// </summary>
public static class NpgsqlChurnScenarios
{
    /// <summary>Pooling=false under steady load: every query is a new TCP connection, authentication and backend process.</summary>
    public static async Task<ScenarioOutcome> UnpooledChurnAsync(AppOptions options, BackgroundWork background)
    {
        var workers = options.GetInt("workers", 2, min: 1, max: 16);
        var pauseMs = options.GetInt("pause-ms", 5, max: 10_000);
        var connectionString = NpgsqlSetup.With(NpgsqlSetup.ConnectionString(options), b => b.Pooling = false);
        options.RejectUnused();

        await NpgsqlSetup.EnsureTableAsync(connectionString);
        var counters = new LoadCounters();
        for (var worker = 0; worker < workers; worker++)
        {
            background.Start(stopping => QueryLoopAsync(() => new NpgsqlConnection(connectionString.ConnectionString), pauseMs, counters, stopping));
        }

        await NpgsqlLoadScenarios.WaitForFirstQueriesAsync(counters, workers);
        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["connection-churn"] = 1;
        outcome.Info["workers"] = workers;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["pooling"] = false;
        return outcome;
    }

    /// <summary>
    /// A pool that closes idle connections after 1 s down to a minimum of 0, under bursty load: each burst opens its
    /// connections again. The pool is a data source held in a static, as a well-behaved service would.
    /// </summary>
    public static async Task<ScenarioOutcome> IdleLifetimeChurnAsync(AppOptions options, BackgroundWork background)
    {
        var burst = options.GetInt("burst", 8, min: 1, max: 50);
        var queriesPerTask = options.GetInt("queries", 5, min: 1, max: 1000);
        var pauseMs = options.GetInt("pause-ms", 2500, min: 10, max: 600_000);
        var connectionString = NpgsqlSetup.With(NpgsqlSetup.ConnectionString(options), b =>
        {
            b.ConnectionIdleLifetime = 1;
            b.ConnectionPruningInterval = 1;
            b.MinPoolSize = 0;
        });
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        var counters = new LoadCounters();
        var bursts = 0;
        background.Start(async stopping =>
        {
            do
            {
                await RunBurstAsync(dataSource, burst, queriesPerTask, counters, stopping);
                Interlocked.Increment(ref bursts);
            }
            while (await BackgroundWork.PauseAsync(pauseMs, stopping));
        });

        await NpgsqlLoadScenarios.WaitForFirstQueriesAsync(counters, burst);
        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["connection-churn"] = 1;
        outcome.Info["burst"] = burst;
        outcome.Info["queriesPerTask"] = queriesPerTask;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["idleLifetimeSeconds"] = 1;
        outcome.Info["minPoolSize"] = 0;
        return outcome;
    }

    /// <summary>
    /// A pool keeping idle connections for minutes (Npgsql's default 300 s, plus a minimum that is never pruned) in
    /// front of a server that closes idle sessions after a few seconds (run it with idle_session_timeout), and requests
    /// that come after pauses longer than that: the first commands after each pause fail. The handshake waits for the
    /// first such failure.
    /// </summary>
    public static async Task<ScenarioOutcome> StaleConnectionsAsync(AppOptions options, BackgroundWork background)
    {
        var burst = options.GetInt("burst", 3, min: 1, max: 50);
        var pauseMs = options.GetInt("pause-ms", 4000, min: 10, max: 600_000);
        var minPool = options.GetInt("min-pool", 2, max: 50);
        var connectionString = NpgsqlSetup.With(NpgsqlSetup.ConnectionString(options), b =>
        {
            b.ConnectionIdleLifetime = 300;
            b.MinPoolSize = minPool;
        });
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        var counters = new LoadCounters();
        background.Start(async stopping =>
        {
            do
            {
                await RunBurstAsync(dataSource, burst, 1, counters, stopping);
            }
            while (await BackgroundWork.PauseAsync(pauseMs, stopping));
        });

        var deadline = DateTime.UtcNow.AddSeconds(30 + (pauseMs / 1000.0 * 3));
        while (counters.Failures == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        if (counters.Failures == 0)
        {
            throw new NpgsqlException("no command failed after a pause: is the server running with idle_session_timeout below --pause-ms?");
        }

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["stale-connection"] = 1;
        outcome.Info["burst"] = burst;
        outcome.Info["pauseMs"] = pauseMs;
        outcome.Info["minPoolSize"] = minPool;
        outcome.Info["idleLifetimeSeconds"] = 300;
        outcome.Info["firstFailure"] = counters.LastFailure;
        return outcome;
    }

    private static async Task RunBurstAsync(NpgsqlDataSource dataSource, int tasks, int queriesPerTask, LoadCounters counters, CancellationToken stopping)
    {
        var all = new List<Task>();
        for (var t = 0; t < tasks; t++)
        {
            all.Add(Task.Run(async () =>
            {
                for (var q = 0; q < queriesPerTask && !stopping.IsCancellationRequested; q++)
                {
                    await QueryOnceAsync(() => dataSource.CreateConnection(), counters, stopping);
                }
            }, stopping));
        }

        try
        {
            await Task.WhenAll(all);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private static async Task QueryLoopAsync(Func<NpgsqlConnection> create, int pauseMs, LoadCounters counters, CancellationToken stopping)
    {
        do
        {
            await QueryOnceAsync(create, counters, stopping);
        }
        while (await BackgroundWork.PauseAsync(pauseMs, stopping));
    }

    /// <summary>One request done right: open, one short query, dispose. Failures are logged and counted, never fatal.</summary>
    private static async Task QueryOnceAsync(Func<NpgsqlConnection> create, LoadCounters counters, CancellationToken stopping)
    {
        try
        {
            await using var connection = create();
            await connection.OpenAsync(stopping);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {NpgsqlSetup.TableName}", connection);
            await command.ExecuteScalarAsync(stopping);
            counters.CountQuery();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (NpgsqlException e) when (!stopping.IsCancellationRequested)
        {
            counters.CountFailure(e);
        }
    }
}
