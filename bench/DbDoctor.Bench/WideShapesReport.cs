using System.Globalization;
using System.Text;

namespace DbDoctor.Bench;

/// <summary>
/// The wide-object section of bench/RESULTS.md: the mixed scenario beside one huge list, one big dictionary or one deep
/// chain, baseline walk vs dbdoctor, and the same targets as the ballast table on every shape. A full run writes it, and
/// so does <c>--wide-shapes</c>, which replaces only this section (between its markers).
/// </summary>
public static class WideShapesReport
{
    private const string Begin = "<!-- wide-shapes: written by full runs and by --wide-shapes -->";
    private const string End = "<!-- /wide-shapes -->";

    public static List<ResultsReport.Verdict> Verdicts(IReadOnlyList<HeapMeasurement> shapes) =>
    [
        new($"dbdoctor time <= {ResultsReport.MaxTimeRatio:0.0} x baseline on every shape", shapes.All(h => h.TimeRatio <= ResultsReport.MaxTimeRatio),
            string.Join(", ", shapes.Select(h => Invariant($"{h.Dump.Shape}: {h.TimeRatio:0.00}")))),
        new($"dbdoctor peak memory <= {ResultsReport.MaxMemoryRatio:0.0} x baseline on every shape", shapes.All(h => h.MemoryRatio <= ResultsReport.MaxMemoryRatio),
            string.Join(", ", shapes.Select(h => Invariant($"{h.Dump.Shape}: {h.MemoryRatio:0.00}")))),
        new("every shape: the leak counts the scenario promised", shapes.All(h => h.Mismatches.Count == 0),
            string.Join("; ", shapes.Select(h => $"{h.Dump.Shape}: " + (h.Mismatches.Count == 0 ? "ok" : string.Join(", ", h.Mismatches))))),
    ];

    public static string Render(IReadOnlyList<HeapMeasurement> shapes, int runs, string command, DateTime started, string loadAtStart)
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine("## Wide objects: one huge object or one deep chain").AppendLine();
        text.AppendLine(Invariant($"Command: `{command}` ({runs} runs per tool and dump, medians), {started:yyyy-MM-dd HH:mm} UTC, load average at start {loadAtStart}, at end {ResultsReport.LoadAverage()} (shared machine)."));
        text.AppendLine("Dumps of the same `mixed` scenario, with ballast of one shape instead of many small records (testapps' `--ballast N --ballast-shape S`):");
        text.AppendLine("`list` is one `List<object>` of N entries (one array of N references), `dictionary` one `Dictionary<string, object>` of N");
        text.AppendLine("entries (one array of N structs holding two references each, plus N keys and N values), `linked-list` one chain N nodes deep.");
        text.AppendLine("Baseline, time and memory as in the table above. dbdoctor reads the references of an object over 64 KiB in 64 KiB chunks and");
        text.AppendLine("defers what lies deeper than 10,000 objects on its search path, so neither the widest object nor the longest chain sets its peak.").AppendLine();
        text.AppendLine("| shape | entries | objects in dump | dump size | baseline time | baseline peak RSS | dbdoctor time | dbdoctor peak RSS | time ratio | memory ratio |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var h in shapes)
        {
            text.AppendLine(Invariant(
                $"| {h.Dump.Shape} | {h.Dump.BallastObjects:N0} | {h.Objects:N0} | {h.Dump.FileBytes / (1024.0 * 1024 * 1024):0.00} GiB | {h.BaselineSeconds:0.00} s | {HeapBench.Mib(h.BaselinePeakBytes):0} MiB | {h.DbDoctorSeconds:0.00} s | {HeapBench.Mib(h.DbDoctorPeakBytes):0} MiB | {h.TimeRatio:0.00} | {h.MemoryRatio:0.00} |"));
        }

        text.AppendLine();
        text.AppendLine("Findings per dump: " + string.Join("; ", shapes.Select(h => $"{h.Dump.Shape}: {ReportCheck.Format(h.FindingCounts)}")) + ".");
        text.AppendLine("Individual runs (s / MiB): " + string.Join("; ", shapes.Select(h =>
            $"{h.Dump.Shape} baseline " + string.Join(" ", h.Baseline.Select(Run)) + ", dbdoctor " + string.Join(" ", h.DbDoctor.Select(Run)))) + ".");
        text.AppendLine();
        foreach (var verdict in Verdicts(shapes))
        {
            text.AppendLine($"- {(verdict.Met ? "MET" : "MISSED")}: {verdict.Target} ({verdict.Detail})");
        }

        text.AppendLine(End);
        return text.ToString();
    }

    /// <summary>The results file with its wide section set to <paramref name="section"/> (before the watch section, or appended, when it has none).</summary>
    public static string Splice(string results, string section)
    {
        var (begin, end) = (results.IndexOf(Begin, StringComparison.Ordinal), results.IndexOf(End, StringComparison.Ordinal));
        if (begin >= 0 && end > begin)
        {
            return results[..begin] + section.TrimEnd('\n') + results[(end + End.Length)..];
        }

        var watch = results.IndexOf("<!-- watch-soak", StringComparison.Ordinal);
        return watch >= 0 ? results[..watch] + section + "\n" + results[watch..]
            : results.Length == 0 ? section : results.TrimEnd('\n') + "\n\n" + section;
    }

    /// <summary>The wide section of an existing results file, or null.</summary>
    public static string? Existing(string results)
    {
        var (begin, end) = (results.IndexOf(Begin, StringComparison.Ordinal), results.IndexOf(End, StringComparison.Ordinal));
        return begin >= 0 && end > begin ? results[begin..(end + End.Length)] + "\n" : null;
    }

    private static string Run(MeasuredRun run) => Invariant($"{run.Wall.TotalSeconds:0.00}/{HeapBench.Mib(run.PeakRssBytes):0}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
