using System.Globalization;
using System.Text;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>The report as Markdown (for a pull request, an issue or a wiki): a findings table, details per finding, a pools table.</summary>
public sealed class MarkdownRenderer : ReportRenderer
{
    protected override string Write(Report redacted)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var report = redacted;
        var md = new StringBuilder();
        var target = report.Target;
        md.AppendLine("# DbDoctor report").AppendLine();
        var what = target.Kind == "dump" ? $"dump `{Code(target.Path ?? "?")}`" : $"process {target.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
        md.AppendLine("Target: " + what + (target.RuntimeVersion is null ? "" : $", .NET {target.RuntimeVersion}")).AppendLine();
        if (Verdict.TriggerLine(report) is { } trigger)
        {
            md.AppendLine(Inline(trigger)).AppendLine();
        }

        if (Verdict.SnapshotLine(report) is { } snapshot)
        {
            md.AppendLine(Inline(snapshot)).AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"**{Inline(Verdict.Of(report))}**").AppendLine();

        if (report.Findings.Count > 0)
        {
            md.AppendLine("## Findings").AppendLine();
            Table(md, ["#", "Severity", "Kind", "Driver", "Count", "Title"],
                report.Findings.Select((f, i) => new[] { (i + 1).ToString(CultureInfo.InvariantCulture), f.Severity, f.Kind, f.Driver, f.Count.ToString(CultureInfo.InvariantCulture), f.Title }));
            for (var i = 0; i < report.Findings.Count; i++)
            {
                WriteFinding(md, i + 1, report.Findings[i]);
            }
        }

        if (report.Pools.Count > 0)
        {
            md.AppendLine("## Pools").AppendLine();
            Table(md, ["Driver", "Name", "Max", "Total", "Idle", "Busy", "Disposed", "Retained by", "Orphaned", "Held"],
                report.Pools.Select(p => new[]
                {
                    p.Driver, p.Name, p.Pooling ? Number(p.Max) : "no pooling", Number(p.Total), Number(p.Idle), Number(p.Busy),
                    p.Disposed ? "yes" : "no", string.Join(", ", p.RetainedBy), Number(p.Orphaned), Number(p.Held),
                }));
        }

        if (report.Telemetry is { } telemetry)
        {
            md.AppendLine("## Telemetry").AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Window: {telemetry.WindowSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s").AppendLine();
            foreach (var series in telemetry.Pools)
            {
                md.AppendLine("- " + Inline(ConsoleRenderer.SeriesLine(series)));
            }

            foreach (var e in telemetry.Exceptions.OrderByDescending(e => e.Count))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- `{Code(e.Type)}` ×{e.Count} ({e.Events} events): {Inline(e.Message)}");
            }

            if (telemetry.Trace is { } trace)
            {
                md.AppendLine("- " + Inline(OriginText.Summary(trace)));
            }

            md.AppendLine();
        }

        if (report.Warnings.Count > 0)
        {
            md.AppendLine("## Warnings").AppendLine();
            foreach (var warning in report.Warnings)
            {
                md.AppendLine("- " + Inline(warning));
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private static void WriteFinding(StringBuilder md, int number, Finding f)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"### {number}. {Inline(f.Title)}").AppendLine();
        md.AppendLine($"`{f.Kind}` · {f.Severity} · {Inline(f.Driver)}" + (f.Pool is null ? "" : $" · pool `{Code(f.Pool)}`")).AppendLine();
        if (f.Evidence.Count > 0)
        {
            md.AppendLine("**Evidence**").AppendLine();
            foreach (var line in f.Evidence)
            {
                md.AppendLine("- " + Inline(line));
            }

            md.AppendLine();
        }

        md.AppendLine("**Advice:** " + Inline(f.Advice)).AppendLine();
        if (f.Objects.Count > 0 && f.Objects.Any(o => o.Origin is not null))
        {
            // Traced (attach --trace): where each connection's use began.
            Table(md, ["Type", "Address", "State", "Server pid", "Holder", "Root path", "SQL", "Origin"],
                f.Objects.Select(o => new[]
                {
                    o.Type, o.Address, o.State ?? "", Number(o.ServerPid), HolderCell(o), string.Join(" → ", o.RootPath), o.Sql ?? "",
                    o.Origin is null ? "" : OriginText.Of(o.Origin),
                }));
        }
        else if (f.Objects.Count > 0)
        {
            Table(md, ["Type", "Address", "State", "Server pid", "Holder", "Root path", "SQL"],
                f.Objects.Select(o => new[]
                {
                    o.Type, o.Address, o.State ?? "", Number(o.ServerPid), HolderCell(o), string.Join(" → ", o.RootPath), o.Sql ?? "",
                }));
        }
    }

    private static string HolderCell(FindingObject o) =>
        o.HolderStack.Count == 0 ? o.Holder ?? "" : $"{o.Holder ?? ""} (now: {string.Join(" ← ", o.HolderStack.Take(6))})";

    private static void Table(StringBuilder md, string[] headers, IEnumerable<string[]> rows)
    {
        md.AppendLine("| " + string.Join(" | ", headers.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(headers.Select(_ => "---|")));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        md.AppendLine();
    }

    /// <summary>A table cell: '|' would end the cell and a line break would end the row.</summary>
    public static string Cell(string? text) => Inline(text).Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Text on one line: line breaks would break lists and headings.</summary>
    private static string Inline(string? text) =>
        string.Join(' ', (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));

    /// <summary>Inside a code span a backtick would end it.</summary>
    private static string Code(string text) => Inline(text).Replace('`', '\'');

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
