using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>Scenarios with live traffic: a healthy service, and a service leaking under load until its pool runs dry.</summary>
public static class NpgsqlLoadScenarios
{
    public static async Task<ScenarioOutcome> HealthyAsync(AppOptions options, BackgroundWork background)
    {
        var workers = options.GetInt("workers", 2, max: 16);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        await HoldNotificationListenerAsync(dataSource);
        var counters = new LoadCounters();
        StartWorkers(background, dataSource, workers, counters);
        await WaitForFirstQueriesAsync(counters, workers);

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["held-connection"] = 1;
        outcome.Info["workers"] = workers;
        outcome.Info["listenChannel"] = NpgsqlSetup.ListenChannel;
        return outcome;
    }

    /// <summary>
    /// A small pool, steady traffic, and a request path that leaks one transaction per interval: the pool fills up and
    /// the workers start timing out. The handshake comes as soon as the load runs, before the pool is exhausted.
    /// </summary>
    public static async Task<ScenarioOutcome> LeakUnderLoadAsync(AppOptions options, BackgroundWork background)
    {
        var maxPool = options.GetInt("max-pool", 10, min: 1, max: 90);
        var timeoutSeconds = options.GetInt("timeout", 2, min: 1, max: 60);
        var leakIntervalMs = options.GetInt("leak-interval-ms", 1000, min: 10, max: 600_000);
        var workers = options.GetInt("workers", 4, max: 16);
        var connectionString = NpgsqlSetup.With(NpgsqlSetup.ConnectionString(options), b =>
        {
            b.MaxPoolSize = maxPool;
            b.Timeout = timeoutSeconds;
        });
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        var counters = new LoadCounters();
        StartWorkers(background, dataSource, workers, counters);
        background.Start(async stopping =>
        {
            for (var request = 0; await BackgroundWork.PauseAsync(leakIntervalMs, stopping); request++)
            {
                var current = request;
                RequestPipeline.Handle(() => NpgsqlLeakScenarios.LeakTransaction(dataSource, current));
            }
        });
        await WaitForFirstQueriesAsync(counters, workers);

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["pool-exhaustion"] = 1;
        outcome.Info["leakIntervalMs"] = leakIntervalMs;
        outcome.Info["maxPoolSize"] = maxPool;
        outcome.Info["timeoutSeconds"] = timeoutSeconds;
        outcome.Info["workers"] = workers;
        outcome.Info["note"] = "leaked-transaction grows by one per leak interval until the pool is exhausted";
        return outcome;
    }

    /// <summary>Opens the connection that LISTENs for the whole process life and keeps it in a static.</summary>
    public static async Task HoldNotificationListenerAsync(NpgsqlDataSource dataSource)
    {
        var listener = await dataSource.OpenConnectionAsync();
        await using (var command = new NpgsqlCommand($"LISTEN {NpgsqlSetup.ListenChannel}", listener))
        {
            await command.ExecuteNonQueryAsync();
        }

        ApplicationStatics.NotificationListener = listener;
    }

    /// <summary>Workers that do everything right: <c>await using</c>, short queries, a small pause (the machine is shared).</summary>
    public static void StartWorkers(BackgroundWork background, NpgsqlDataSource dataSource, int workers, LoadCounters counters)
    {
        for (var worker = 0; worker < workers; worker++)
        {
            background.Start(async stopping =>
            {
                do
                {
                    try
                    {
                        await using var connection = await dataSource.OpenConnectionAsync(stopping);
                        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {NpgsqlSetup.TableName}", connection);
                        await command.ExecuteScalarAsync(stopping);
                        counters.CountQuery();
                    }
                    catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (NpgsqlException e) when (!stopping.IsCancellationRequested)
                    {
                        // Pool exhausted (or a timeout): the service logs and serves the next request.
                        counters.CountFailure(e);
                    }
                }
                while (await BackgroundWork.PauseAsync(10, stopping));
            });
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
            throw new NpgsqlException($"the workers cannot query: {counters.LastFailure}");
        }
    }
}

public sealed class LoadCounters
{
    private long queries;
    private long failures;

    public long Queries => Interlocked.Read(ref queries);
    public long Failures => Interlocked.Read(ref failures);
    public string? LastFailure { get; private set; }

    public void CountQuery() => Interlocked.Increment(ref queries);

    public void CountFailure(Exception e)
    {
        LastFailure = e.Message;
        if (Interlocked.Increment(ref failures) % 50 == 1)
        {
            Console.Error.WriteLine($"worker query failed ({Failures} so far): {e.Message}");
        }
    }
}
