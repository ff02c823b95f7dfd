using System.Globalization;
using DbDoctor.Drivers;
using DbDoctor.Telemetry;
using DbDoctor.Telemetry.Tracing;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

/// <summary>What attaching costs the target: its pause while its heap is written, and its load with a telemetry session.</summary>
public sealed record AttachMeasurement(
    int Rate,
    long BallastObjects,
    IReadOnlyList<TargetLoadWindow> Without,
    IReadOnlyList<TargetLoadWindow> With,
    IReadOnlyList<TargetLoadWindow> WithTrace,
    int TracedOperations,
    int PoolSamples,
    IReadOnlyList<double> DumpWriteSeconds,
    IReadOnlyList<double> ObservedStallMillis,
    IReadOnlyList<long> DumpBytes);

/// <summary>
/// Runs testapps' npgsql-fixed-rate scenario (a fixed query rate against the private PostgreSQL) and measures it in
/// windows without and with a telemetry session, alternating; then writes heap dumps of it and measures the pause.
/// </summary>
public static class AttachBench
{
    public static async Task<AttachMeasurement> MeasureAsync(string connectionString, int rate, long ballastObjects, int rounds, int windowSeconds, string scratchDirectory)
    {
        using var target = await TestApp.StartAsync("npgsql-fixed-rate",
            ["--pg", connectionString, "--rate", Invariant(rate), "--workers", "4", "--ballast", Invariant(ballastObjects)], DumpLibrary.HandshakeTimeout).ConfigureAwait(false);
        using var rateStats = new RateStatsFeed(target);
        // Warm-up: JIT, the pool's connections, tiered compilation.
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);

        var without = new List<TargetLoadWindow>();
        var with = new List<TargetLoadWindow>();
        var withTrace = new List<TargetLoadWindow>();
        var traced = 0;
        var poolSamples = 0;
        for (var round = 0; round < rounds; round++)
        {
            without.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
            // The collector dbdoctor attach runs, for the measured window plus its start-up (Npgsql's counters and
            // metrics start flowing ~2.2 s after the session starts) and a margin.
            var collecting = TelemetryCollector.CollectAsync(
                target.Pid, new TelemetryOptions { Duration = TimeSpan.FromSeconds(windowSeconds + 6) }, progress: null, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            with.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
            var facts = await collecting.ConfigureAwait(false);
            poolSamples += facts.Pools.Sum(p => p.Samples.Count);

            // What `attach --trace` adds: the second session with the drivers' activities and their stacks.
            await using (var tracer = await OperationTracer.StartAsync(target.Pid, DriverCatalog.Default, CancellationToken.None).ConfigureAwait(false))
            {
                var tracedCollecting = TelemetryCollector.CollectAsync(
                    target.Pid, new TelemetryOptions { Duration = TimeSpan.FromSeconds(windowSeconds + 6) }, progress: null, CancellationToken.None);
                await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                withTrace.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
                await tracedCollecting.ConfigureAwait(false);
                traced += (await tracer.StopAsync().ConfigureAwait(false)).OperationsTraced;
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1}/{rounds}: without {without[^1].QueriesPerSecond:0} q/s {without[^1].CpuPercentOfOneCore:0.0}% CPU, with session {with[^1].QueriesPerSecond:0} q/s {with[^1].CpuPercentOfOneCore:0.0}% CPU {with[^1].MeanLatencyMicros:0} µs, with --trace {withTrace[^1].QueriesPerSecond:0} q/s {withTrace[^1].CpuPercentOfOneCore:0.0}% CPU {withTrace[^1].MeanLatencyMicros:0} µs"));
        }

        var writes = new List<double>();
        var stalls = new List<double>();
        var sizes = new List<long>();
        for (var round = 0; round < rounds; round++)
        {
            var path = Path.Combine(scratchDirectory, $"attach-pause-{target.Pid}-{round}.dmp");
            try
            {
                await rateStats.NextLineAsync().ConfigureAwait(false);
                writes.Add((await HeapDumpWriter.WriteAsync(target.Pid, path, DumpLibrary.DumpWriteTimeout).ConfigureAwait(false)).TotalSeconds);
                sizes.Add(new FileInfo(path).Length);
                // The stall shows in the first line written after the process resumes (or the one after).
                var stall = 0.0;
                for (var i = 0; i < 2; i++)
                {
                    stall = Math.Max(stall, RateStatsLine.Field((await rateStats.NextLineAsync().ConfigureAwait(false)).Line, "maxStallMillis"));
                }

                stalls.Add(stall);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  heap dump {round + 1}/{rounds}: WriteDump {writes[^1]:0.00} s, target stalled {stall:0} ms"));
            }
            finally
            {
                File.Delete(path);
            }
        }

        return new AttachMeasurement(rate, ballastObjects, without, with, withTrace, traced, poolSamples, writes, stalls, sizes);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
