using System.Net.Sockets;
using MySqlConnector;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>MySqlConnector with live traffic: a healthy service, and a service leaking readers until its pool runs dry.</summary>
public static class MySqlLoadScenarios
{
    public static async Task<ScenarioOutcome> HealthyAsync(AppOptions options, BackgroundWork background)
    {
        var workers = options.GetInt("workers", 2, max: 16);
        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        await HoldLockHolderAsync(dataSource);
        var counters = new LoadCounters();
        StartWorkers(background, dataSource, workers, counters);
        await WaitForFirstQueriesAsync(counters, workers);

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["held-connection"] = 1;
        outcome.Info["workers"] = workers;
        outcome.Info["lockHolderThreadId"] = MySqlStatics.LockHolder!.ServerThread;
        return outcome;
    }

    /// <summary>
    /// A small pool (Maximum Pool Size), steady traffic, and a request path that abandons one lazy reader per interval. A
    /// leaked reader keeps its MySqlConnection reachable (session → reader → command → connection), so the driver can
    /// never recover it: the pool fills up and the workers time out after Connection Timeout. The handshake comes as soon
    /// as the load runs, before the pool is exhausted.
    /// </summary>
    public static async Task<ScenarioOutcome> ExhaustionAsync(AppOptions options, BackgroundWork background)
    {
        var maxPool = options.GetInt("max-pool", 5, min: 1, max: 90);
        var timeoutSeconds = options.GetInt("timeout", 2, min: 1, max: 60);
        var leakIntervalMs = options.GetInt("leak-interval-ms", 1000, min: 10, max: 600_000);
        var workers = options.GetInt("workers", 3, max: 16);
        var connectionString = MySqlSetup.With(MySqlSetup.ConnectionString(options), b =>
        {
            b.MaximumPoolSize = (uint)maxPool;
            b.ConnectionTimeout = (uint)timeoutSeconds;
        });
        options.RejectUnused();

        var dataSource = await MySqlSetup.OpenMainDataSourceAsync(connectionString);
        var counters = new LoadCounters();
        StartWorkers(background, dataSource, workers, counters);
        var leaked = 0;
        background.Start(async stopping =>
        {
            while (await BackgroundWork.PauseAsync(leakIntervalMs, stopping))
            {
                try
                {
                    MySqlLeakScenarios.LeakReader(dataSource);
                    Interlocked.Increment(ref leaked);
                }
                catch (MySqlException e)
                {
                    // The pool is exhausted: the leaking request fails like the others and the service moves on.
                    counters.CountFailure(e);
                }
            }
        });
        await WaitForFirstQueriesAsync(counters, workers);

        var outcome = MySqlSetup.NewOutcome(connectionString);
        outcome.Expected["pool-exhaustion"] = 1;
        outcome.Info["leakIntervalMs"] = leakIntervalMs;
        outcome.Info["maxPoolSize"] = maxPool;
        outcome.Info["timeoutSeconds"] = timeoutSeconds;
        outcome.Info["workers"] = workers;
        outcome.Info["note"] = "leaked-reader grows by one per leak interval until the pool is exhausted";
        return outcome;
    }

    /// <summary>Opens the connection that owns a named lock for the whole process life and keeps it in a static.</summary>
    public static async Task HoldLockHolderAsync(MySqlDataSource dataSource)
    {
        var holder = await dataSource.OpenConnectionAsync();
        await using (var command = new MySqlCommand($"SELECT GET_LOCK('{MySqlSetup.LockName}', 0)", holder))
        {
            await command.ExecuteScalarAsync();
        }

        MySqlStatics.LockHolder = holder;
    }

    /// <summary>Workers that do everything right: <c>await using</c>, short queries, a small pause (the machine is shared).</summary>
    public static void StartWorkers(BackgroundWork background, MySqlDataSource dataSource, int workers, LoadCounters counters)
    {
        for (var worker = 0; worker < workers; worker++)
        {
            background.Start(async stopping =>
            {
                do
                {
                    await QueryOnceAsync(dataSource.CreateConnection, counters, stopping);
                }
                while (await BackgroundWork.PauseAsync(10, stopping));
            });
        }
    }

    /// <summary>One request done right: open, one short query, dispose. Failures are logged and counted, never fatal.</summary>
    public static async Task QueryOnceAsync(Func<MySqlConnection> create, LoadCounters counters, CancellationToken stopping, Action<MySqlConnection>? opened = null)
    {
        try
        {
            await using var connection = create();
            await connection.OpenAsync(stopping);
            opened?.Invoke(connection);
            await using var command = new MySqlCommand($"SELECT COUNT(*) FROM {MySqlSetup.TableName}", connection);
            await command.ExecuteScalarAsync(stopping);
            counters.CountQuery();
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The app is stopping.
        }
        catch (Exception e) when (e is MySqlException or IOException or SocketException && !stopping.IsCancellationRequested)
        {
            // Pool exhausted, or a session the server closed. With Connection Reset=false MySqlConnector does not check a
            // pooled session on lease, and writing to one the server dropped surfaces as the raw socket error
            // ("Connection reset by peer", "Broken pipe"). The service logs and serves the next request.
            counters.CountFailure(e);
        }
    }

    /// <summary>The handshake promises running load: wait until every worker could have run at least one query.</summary>
    public static async Task WaitForFirstQueriesAsync(LoadCounters counters, int workers)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (counters.Queries < workers && counters.Failures == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        if (counters.Failures > 0 && counters.Queries == 0)
        {
            throw new ScenarioFailedException($"the workers cannot query: {counters.LastFailure}");
        }
    }
}
