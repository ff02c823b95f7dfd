using System.Globalization;

namespace DbDoctor.Bench;

/// <summary>What the fixed-rate target did during one measurement window.</summary>
public sealed record TargetLoadWindow(double Seconds, long Queries, long Failures, double CpuSeconds, double MeanLatencyMicros, double MaxLatencyMicros)
{
    public double QueriesPerSecond => Queries / Seconds;

    /// <summary>Share of one core the whole target process used (all its threads), in percent.</summary>
    public double CpuPercentOfOneCore => 100 * CpuSeconds / Seconds;

    /// <summary>
    /// Waits for the next rate-stats line, then <paramref name="seconds"/> more lines (one a second), and returns the
    /// deltas between them; the target's CPU time is read from /proc at the same two moments.
    /// </summary>
    public static async Task<TargetLoadWindow> MeasureAsync(RateStatsFeed target, int seconds)
    {
        var first = await target.NextLineAsync().ConfigureAwait(false);
        var cpuStart = ProcessCpuSeconds(target.Pid);
        var maxLatency = 0.0;
        var last = first;
        for (var i = 0; i < seconds; i++)
        {
            last = await target.NextLineAsync().ConfigureAwait(false);
            maxLatency = Math.Max(maxLatency, RateStatsLine.Field(last.Line, "maxLatencyMicros"));
        }

        var cpu = ProcessCpuSeconds(target.Pid) - cpuStart;
        var queries = (long)(RateStatsLine.Field(last.Line, "queries") - RateStatsLine.Field(first.Line, "queries"));
        var failures = (long)(RateStatsLine.Field(last.Line, "failures") - RateStatsLine.Field(first.Line, "failures"));
        var latency = RateStatsLine.Field(last.Line, "latencyMicros") - RateStatsLine.Field(first.Line, "latencyMicros");
        var elapsed = (last.At - first.At).TotalSeconds;
        return new TargetLoadWindow(elapsed, queries, failures, cpu, queries == 0 ? double.NaN : latency / queries, maxLatency);
    }

    /// <summary>utime + stime of a process from /proc/&lt;pid&gt;/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux).</summary>
    public static double ProcessCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }
}
