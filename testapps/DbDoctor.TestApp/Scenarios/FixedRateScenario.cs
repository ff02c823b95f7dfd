using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// A healthy service serving a fixed number of queries per second, for the benchmark: at a fixed rate, what an observer
/// costs the service shows as CPU time, latency and missed rate, not as "fewer queries". Once a second it writes a line
/// <c>rate-stats queries=… failures=… latencyMicros=… maxLatencyMicros=… maxStallMillis=…</c> on stderr (cumulative
/// counts, maxima since the previous line). maxStallMillis is the longest gap seen by a thread that sleeps 1 ms in a
/// loop: the time the whole process was stopped (e.g. while the runtime writes a dump).
/// </summary>
public static class FixedRateScenario
{
    public static async Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        var rate = options.GetInt("rate", 1000, min: 1, max: 100_000);
        var workers = options.GetInt("workers", 4, min: 1, max: 64);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        var dataSource = await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        var stats = new RateStats();
        var period = TimeSpan.FromSeconds(workers / (double)rate);
        var clock = Stopwatch.StartNew();
        for (var worker = 0; worker < workers; worker++)
        {
            var offset = period * worker / workers;
            background.Start(stopping => PacedWorkerAsync(dataSource, clock, offset, period, stats, stopping));
        }

        StartStallProbe(stats, background.Stopping);
        background.Start(async stopping =>
        {
            while (await BackgroundWork.PauseAsync(1000, stopping))
            {
                Console.Error.WriteLine(stats.TakeLine());
            }
        });

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Info["rate"] = rate;
        outcome.Info["workers"] = workers;
        return outcome;
    }

    /// <summary>Runs query n at offset + n × period; a worker that falls behind catches up without sleeping.</summary>
    private static async Task PacedWorkerAsync(NpgsqlDataSource dataSource, Stopwatch clock, TimeSpan offset, TimeSpan period, RateStats stats, CancellationToken stopping)
    {
        for (long n = 0; !stopping.IsCancellationRequested; n++)
        {
            var due = offset + (period * n);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero && !await BackgroundWork.PauseAsync((int)Math.Ceiling(wait.TotalMilliseconds), stopping))
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stopping);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(stopping);
                stats.CountQuery(Stopwatch.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                stats.CountFailure();
            }
        }
    }

    private static void StartStallProbe(RateStats stats, CancellationToken stopping)
    {
        var thread = new Thread(() =>
        {
            var last = Stopwatch.GetTimestamp();
            while (!stopping.IsCancellationRequested)
            {
                Thread.Sleep(1);
                var now = Stopwatch.GetTimestamp();
                stats.ObserveGap(Stopwatch.GetElapsedTime(last, now));
                last = now;
            }
        })
        { IsBackground = true, Name = "stall probe" };
        thread.Start();
    }

    private sealed class RateStats
    {
        private readonly object gate = new();
        private long queries;
        private long failures;
        private long latencyTicks;
        private TimeSpan maxLatency;
        private TimeSpan maxGap;

        public void CountQuery(TimeSpan latency)
        {
            lock (gate)
            {
                queries++;
                latencyTicks += latency.Ticks;
                maxLatency = latency > maxLatency ? latency : maxLatency;
            }
        }

        public void CountFailure()
        {
            lock (gate)
            {
                failures++;
            }
        }

        public void ObserveGap(TimeSpan gap)
        {
            lock (gate)
            {
                maxGap = gap > maxGap ? gap : maxGap;
            }
        }

        public string TakeLine()
        {
            lock (gate)
            {
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"rate-stats queries={queries} failures={failures} latencyMicros={latencyTicks / 10} maxLatencyMicros={(long)maxLatency.TotalMicroseconds} maxStallMillis={maxGap.TotalMilliseconds:0.0}");
                maxLatency = TimeSpan.Zero;
                maxGap = TimeSpan.Zero;
                return line;
            }
        }
    }
}
