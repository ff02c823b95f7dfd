using System.Collections.Concurrent;
using System.Globalization;
using DbDoctor.TestHarness;

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

/// <summary>The "rate-stats name=value …" lines a running npgsql-fixed-rate test app writes on stderr (one a second), as they arrive.</summary>
public sealed class RateStatsFeed : IDisposable
{
    private readonly TestApp target;
    private readonly ConcurrentQueue<(DateTime At, string Line)> lines = new();

    public RateStatsFeed(TestApp target)
    {
        this.target = target;
        target.StderrLine += OnStderrLine;
    }

    public int Pid => target.Pid;

    private void OnStderrLine(string line)
    {
        if (line.StartsWith("rate-stats ", StringComparison.Ordinal))
        {
            lines.Enqueue((DateTime.UtcNow, line));
        }
    }

    /// <summary>The next rate-stats line that arrives from now on (older ones are dropped).</summary>
    public async Task<(DateTime At, string Line)> NextLineAsync()
    {
        lines.Clear();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (lines.TryDequeue(out var line))
            {
                return line;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        throw new TimeoutException("The fixed-rate test app wrote no rate-stats line for 30 s.");
    }

    public void Dispose() => target.StderrLine -= OnStderrLine;
}

/// <summary>The "rate-stats name=value …" lines of testapps' npgsql-fixed-rate scenario.</summary>
public static class RateStatsLine
{
    public static double Field(string line, string name)
    {
        var prefix = name + "=";
        var field = line.Split(' ').FirstOrDefault(f => f.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new FormatException($"No '{name}' in the rate-stats line '{line}'.");
        return double.Parse(field[prefix.Length..], CultureInfo.InvariantCulture);
    }
}
