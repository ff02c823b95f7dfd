using System.Globalization;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

/// <summary>One finished run of a child program, measured by GNU time.</summary>
public sealed record MeasuredRun(int ExitCode, string Stdout, string Stderr, TimeSpan Wall, long PeakRssBytes);

/// <summary>Runs the programs the benchmark measures (dbdoctor, the baseline walker) under GNU time.</summary>
public static class GnuTime
{
    public const string Program = "/usr/bin/time";

    /// <summary>
    /// Runs <c>dotnet dll args</c> under GNU time: wall time from a stopwatch around the process, peak resident memory
    /// from GNU time's %M (the kernel's ru_maxrss of the child, exact, no polling).
    /// </summary>
    public static async Task<MeasuredRun> MeasureAsync(string dll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var timeFile = Path.Combine(Path.GetTempPath(), $"dbdoctor-bench-time-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            var result = await ChildProcess.RunAsync(Program, ["-f", "%M", "-o", timeFile, ChildProcess.DotnetHost, dll, .. arguments], timeout).ConfigureAwait(false);
            var kilobytes = long.Parse(File.ReadAllLines(timeFile).Last(l => l.Length > 0).Trim(), CultureInfo.InvariantCulture);
            return new MeasuredRun(result.ExitCode, result.Stdout, result.Stderr, result.Duration, kilobytes * 1024);
        }
        finally
        {
            File.Delete(timeFile);
        }
    }
}
