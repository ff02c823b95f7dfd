using System.Collections.Concurrent;
using System.Globalization;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

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
