using System.Globalization;
using System.Text;

namespace DbDoctor.Bench;

/// <summary>
/// The watch soak's section of bench/RESULTS.md. It runs apart from the heap and attach parts (ten minutes, opt-in), so
/// its section sits between markers: a soak run replaces only it, a normal run keeps the one already in the file.
/// </summary>
public static class WatchSoakReport
{
    public const double MaxRssDrift = 0.10;
    private const string Begin = "<!-- watch-soak: written by --watch-soak, kept by other runs -->";
    private const string End = "<!-- /watch-soak -->";

    /// <summary>Flat: the last minute's mean RSS within 10 % of the second minute's (the first is start-up, see <see cref="WatchSoakMeasurement.LastOverSecond"/>).</summary>
    public static bool Flat(WatchSoakMeasurement soak) => Math.Abs(soak.LastOverSecond - 1) <= MaxRssDrift;

    public static string Render(WatchSoakMeasurement soak, string command, DateTime started, string loadAtStart)
    {
        var text = new StringBuilder();
        void Row(string name, Func<ResidentSample, double> value) => AppendRow(text, soak, name, value);
        text.AppendLine(Begin);
        text.AppendLine("## Watch: memory over a long run, cost to the target").AppendLine();
        text.AppendLine(Invariant($"Command: `{command}`, {started:yyyy-MM-dd HH:mm} UTC, load average at start {loadAtStart}, at end {ResultsReport.LoadAverage()} (shared machine)."));
        text.AppendLine(Invariant($"Target: testapps' `npgsql-fixed-rate --rate {soak.Rate} --workers 4` (SELECT 1 through a pooled NpgsqlDataSource, private PostgreSQL 15)."));
        text.AppendLine(Invariant($"Watcher: the real `dbdoctor watch <pid> --format json --prometheus 127.0.0.1:PORT` for {soak.Soak.TotalMinutes:0} minutes, stopped with SIGTERM;"));
        text.AppendLine(Invariant($"/metrics scraped every 15 s ({soak.Scrapes} scrapes answered), {soak.Samples:N0} JSON sample lines read, {soak.Reports} reports written (a healthy target fires nothing)."));
        text.AppendLine(Invariant($"Its resident set (VmRSS, RssAnon, RssFile, RssShmem and Threads of /proc/PID/status) read every second; its CPU over the run: {soak.WatchCpuSeconds:0.0} s = {100 * soak.WatchCpuSeconds / soak.Soak.TotalSeconds:0.0} % of one core.")).AppendLine();

        text.AppendLine("| minute | " + string.Join(" | ", Enumerable.Range(1, soak.Minutes).Select(m => Invariant($"{m}"))) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", soak.Minutes)));
        Row("watch RSS, mean (MiB)", r => r.RssBytes / (1024.0 * 1024));
        Row("of which anonymous (GC heap, native, stacks)", r => r.AnonBytes / (1024.0 * 1024));
        Row("of which file-backed (mapped assemblies, libraries)", r => r.FileBytes / (1024.0 * 1024));
        Row("of which shared (JIT code, mapped twice for W^X)", r => r.SharedBytes / (1024.0 * 1024));
        Row("threads, mean", r => r.Threads);
        text.AppendLine();
        var peak = soak.Rss.Max(r => r.RssBytes);
        text.AppendLine(Invariant(
            $"- {(Flat(soak) ? "MET" : "MISSED")}: watch's memory flat within {MaxRssDrift:P0} after start-up (last minute / minute 2 = {soak.LastOverSecond:0.000}; with start-up, last minute / minute 1 = {soak.LastOverFirst:0.000}; peak {peak / (1024.0 * 1024):0.0} MiB)."));
        text.AppendLine("  Minute 1 is start-up: the runtime, the code watch loads and compiles, and the GC's first gen0 allocation budget filling before");
        text.AppendLine("  its first collection (about 90 s in); a pool's series is a bounded window (10 min), trimmed every second.").AppendLine();

        text.AppendLine("| target window | queries/s (target rate " + Invariant($"{soak.Rate}") + ") | failures | target CPU (% of one core) | mean latency | max latency |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, windows) in new[] { ("without watch (3 before, 3 after)", soak.Without), ("with watch attached (one per minute)", soak.With) })
        {
            text.AppendLine(Invariant(
                $"| {name}, median of {windows.Count} | {HeapMeasurement.Median(windows.Select(w => w.QueriesPerSecond)):0} | {windows.Sum(w => w.Failures)} | {HeapMeasurement.Median(windows.Select(w => w.CpuPercentOfOneCore)):0.0} | {HeapMeasurement.Median(windows.Select(w => w.MeanLatencyMicros)):0} µs | {HeapMeasurement.Median(windows.Select(w => w.MaxLatencyMicros)) / 1000:0.0} ms |"));
        }

        text.AppendLine(End);
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, WatchSoakMeasurement soak, string name, Func<ResidentSample, double> value) =>
        text.AppendLine($"| {name} | " + string.Join(" | ", Enumerable.Range(0, soak.Minutes).Select(m => Invariant($"{soak.MeanOfMinute(m, value):0.0}"))) + " |");

    /// <summary>The results file with its watch section set to <paramref name="section"/> (appended when it has none).</summary>
    public static string Splice(string results, string section)
    {
        var (begin, end) = (results.IndexOf(Begin, StringComparison.Ordinal), results.IndexOf(End, StringComparison.Ordinal));
        return begin >= 0 && end > begin
            ? results[..begin] + section.TrimEnd('\n') + results[(end + End.Length)..]
            : results.Length == 0 ? section : results.TrimEnd('\n') + "\n\n" + section;
    }

    /// <summary>The watch section of an existing results file, or null.</summary>
    public static string? Existing(string results)
    {
        var (begin, end) = (results.IndexOf(Begin, StringComparison.Ordinal), results.IndexOf(End, StringComparison.Ordinal));
        return begin >= 0 && end > begin ? results[begin..(end + End.Length)] + "\n" : null;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
