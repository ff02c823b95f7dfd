using System.Globalization;
using System.Text;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering.Html;

/// <summary>
/// The report as one self-contained HTML page for an incident ticket: the verdict, the charts (pools in the heap as
/// bars, each pool's used/idle/max over the telemetry window), every finding with its evidence and advice, the pools
/// table, the telemetry and the caveats. No script and nothing loaded from elsewhere: the styles are inline, the
/// charts are inline SVG, and a Content-Security-Policy forbids the page from fetching anything. Every text from the
/// target is HTML-escaped; the markup is well-formed XML.
/// </summary>
public sealed class HtmlRenderer : ReportRenderer
{
    /// <summary>Objects listed per finding; the JSON report has them all.</summary>
    public const int ObjectsPerFinding = 20;

    protected override string Write(Report redacted)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var report = redacted;
        var html = new StringBuilder();
        var title = "DbDoctor report: " + TargetText(report.Target);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
        html.Append("<title>").Append(Html.Text(title)).Append("</title>\n<style>").Append(HtmlStyle.Css).Append("</style>\n</head>\n<body>\n");

        WriteHeader(html, report);
        WriteCharts(html, report);
        WriteFindings(html, report);
        WritePools(html, report);
        WriteTelemetry(html, report);
        WriteWarnings(html, report);
        html.Append("<footer>Written by dbdoctor (schema ").Append(Html.Text(report.Schema)).Append("); connection strings are shown with their passwords removed.</footer>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string TargetText(TargetInfo target) =>
        (target.Kind == "dump" ? $"dump {target.Path}" : $"process {target.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"}")
        + (target.RuntimeVersion is null ? "" : $" (.NET {target.RuntimeVersion})");

    private static void WriteHeader(StringBuilder html, Report report)
    {
        html.Append("<header>\n<p class=\"target\">DbDoctor: ").Append(Html.Text(TargetText(report.Target))).Append("</p>\n");
        if (report.Drivers.Count > 0)
        {
            html.Append("<p class=\"drivers\">Drivers: ")
                .Append(Html.Text(string.Join(", ", report.Drivers.Select(d => d.Version is null ? d.Name : $"{d.Name} {d.Version}"))))
                .Append("</p>\n");
        }

        foreach (var line in new[] { Verdict.TriggerLine(report), Verdict.SnapshotLine(report) }.OfType<string>())
        {
            html.Append("<p class=\"context\">").Append(Html.Text(line)).Append("</p>\n");
        }

        var problems = report.Findings.Any(f => Severities.Rank(f.Severity) <= Severities.Rank(Severities.Warning));
        var verdictClass = problems ? "problems" : report.Snapshot is { Incomplete: true } || report.Inconclusive is not null ? "no-verdict" : "healthy";
        html.Append("<h1 class=\"verdict ").Append(verdictClass).Append("\">").Append(Html.Text(Verdict.Of(report))).Append("</h1>\n");
        if (report.Findings.Count > 0)
        {
            html.Append("<ol class=\"summary\">\n");
            for (var i = 0; i < report.Findings.Count; i++)
            {
                var f = report.Findings[i];
                html.Append(CultureInfo.InvariantCulture, $"<li><a href=\"#finding-{i + 1}\"><span class=\"badge {Severity(f.Severity)}\">{Html.Text(f.Severity)}</span> ")
                    .Append(Html.Text(f.Title)).Append("</a></li>\n");
            }

            html.Append("</ol>\n");
        }

        html.Append("</header>\n");
    }

    private static void WriteCharts(StringBuilder html, Report report)
    {
        var bars = SvgCharts.PoolBars(report.Pools);
        var series = report.Telemetry?.Pools
            .Select(s => (Series: s, Svg: SvgCharts.SeriesChart(s, report.Telemetry.WindowSeconds)))
            .Where(c => c.Svg is not null)
            .ToList() ?? [];
        if (bars is null && series.Count == 0)
        {
            return;
        }

        html.Append("<section class=\"charts\">\n");
        if (bars is not null)
        {
            html.Append("<h2>Connections in the heap</h2>\n<figure>").Append(bars).Append("<figcaption>")
                .Append(Html.Text(BarsCaption(report.Pools.Count))).Append("</figcaption></figure>\n");
        }

        if (series.Count > 0)
        {
            html.Append("<h2>Pools over the telemetry window</h2>\n");
            foreach (var (s, svg) in series)
            {
                var note = s.LevelsAreLowerBounds ? " Levels are changes since dbdoctor attached (lower bounds)." : "";
                html.Append("<figure>").Append(svg).Append("<figcaption>")
                    .Append(Html.Text($"{s.Driver} pool '{s.Name}': {s.Samples.Count} samples.{note}")).Append("</figcaption></figure>\n");
            }
        }

        html.Append("</section>\n");
    }

    private static string BarsCaption(int pools) =>
        pools > SvgCharts.MaxBars
            ? $"Orphaned connections are leaked (nothing can return them); held ones are kept by application code. The {SvgCharts.MaxBars} pools with the most orphaned and busy connections of {pools}; the table below lists all."
            : "Orphaned connections are leaked (nothing can return them); held ones are kept by application code. Bars are numbered as in the pools table.";

    private static void WriteFindings(StringBuilder html, Report report)
    {
        if (report.Findings.Count == 0)
        {
            return;
        }

        html.Append("<section class=\"findings\">\n<h2>Findings</h2>\n");
        for (var i = 0; i < report.Findings.Count; i++)
        {
            var f = report.Findings[i];
            html.Append(CultureInfo.InvariantCulture, $"<article class=\"finding {Severity(f.Severity)}\" id=\"finding-{i + 1}\">\n");
            html.Append("<p class=\"meta\"><span class=\"badge ").Append(Severity(f.Severity)).Append("\">").Append(Html.Text(f.Severity)).Append("</span> ")
                .Append("<code>").Append(Html.Text(f.Kind)).Append("</code> ×").Append(f.Count.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(Html.Text(f.Driver));
            if (f.Pool is not null)
            {
                html.Append(" · pool <code>").Append(Html.Text(f.Pool)).Append("</code>");
            }

            html.Append("</p>\n<h3>").Append(Html.Text(f.Title)).Append("</h3>\n");
            if (f.Evidence.Count > 0)
            {
                html.Append("<ul class=\"evidence\">\n");
                foreach (var line in f.Evidence)
                {
                    html.Append("<li>").Append(Html.Text(line)).Append("</li>\n");
                }

                html.Append("</ul>\n");
            }

            html.Append("<p class=\"advice\"><strong>Advice:</strong> ").Append(Html.Text(f.Advice)).Append("</p>\n");
            WriteObjects(html, f);
            html.Append("</article>\n");
        }

        html.Append("</section>\n");
    }

    private static void WriteObjects(StringBuilder html, Finding f)
    {
        if (f.Objects.Count == 0)
        {
            return;
        }

        var shown = f.Objects.Take(ObjectsPerFinding).ToList();
        html.Append("<details><summary>").Append(Html.Text($"Objects ({shown.Count} of {f.Objects.Count} listed)")).Append("</summary>\n");
        if (shown.Any(o => o.Origin is not null))
        {
            // Traced (attach --trace): where each connection's use began.
            Table(html, ["Type", "Address", "State", "Server pid", "Holder", "SQL", "Root path", "Origin"], shown.Select(o => new[]
            {
                o.Type, o.Address, o.State ?? "", Html.Number(o.ServerPid), o.Holder ?? "", o.Sql ?? "", string.Join(" → ", o.RootPath),
                o.Origin is null ? "" : OriginText.Of(o.Origin),
            }));
        }
        else
        {
            Table(html, ["Type", "Address", "State", "Server pid", "Holder", "SQL", "Root path"], shown.Select(o => new[]
            {
                o.Type, o.Address, o.State ?? "", Html.Number(o.ServerPid), o.Holder ?? "", o.Sql ?? "", string.Join(" → ", o.RootPath),
            }));
        }

        html.Append("</details>\n");
    }

    private static void WritePools(StringBuilder html, Report report)
    {
        if (report.Pools.Count == 0)
        {
            return;
        }

        html.Append("<section class=\"pools\">\n<h2>").Append(Html.Text($"Pools ({report.Pools.Count})")).Append("</h2>\n");
        Table(html, ["#", "Driver", "Name", "Max", "Total", "Idle", "Busy", "Orphaned", "Held", "Disposed", "Retained by", "Holder"],
            report.Pools.Select((p, i) => new[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture), p.Driver, p.Name, p.Pooling ? Html.Number(p.Max) : "no pooling",
                Html.Number(p.Total), Html.Number(p.Idle), Html.Number(p.Busy), Html.Number(p.Orphaned), Html.Number(p.Held),
                p.Disposed ? "yes" : "no", string.Join(", ", p.RetainedBy), p.Holder ?? "",
            }));
        html.Append("</section>\n");
    }

    private static void WriteTelemetry(StringBuilder html, Report report)
    {
        if (report.Telemetry is not { } telemetry)
        {
            return;
        }

        html.Append("<section class=\"telemetry\">\n<h2>").Append(Html.Text($"Telemetry ({Html.Number(telemetry.WindowSeconds)} s window)")).Append("</h2>\n");
        if (telemetry.Pools.Count > 0)
        {
            Table(html, ["Driver", "Pool", "Used (last)", "Used (peak)", "Idle (last)", "Max", "Pending (peak)", "Timeouts", "Samples"],
                telemetry.Pools.Select(SeriesRow));
        }

        if (telemetry.Exceptions.Count > 0)
        {
            html.Append("<h3>Exceptions</h3>\n");
            Table(html, ["Type", "Count", "Events", "First seen (s)", "Last seen (s)", "Message"],
                telemetry.Exceptions.OrderByDescending(e => e.Count).Select(e => new[]
                {
                    e.Type, e.Count.ToString(CultureInfo.InvariantCulture), e.Events.ToString(CultureInfo.InvariantCulture),
                    Html.Number(e.FirstSeen), Html.Number(e.LastSeen), e.Message,
                }));
        }

        if (telemetry.Pools.Count == 0 && telemetry.Exceptions.Count == 0)
        {
            html.Append("<p>No pool counters or exceptions were reported during the window.</p>\n");
        }

        if (telemetry.Trace is { } trace)
        {
            html.Append("<p>").Append(Html.Text(OriginText.Summary(trace))).Append("</p>\n");
        }

        html.Append("</section>\n");
    }

    private static string[] SeriesRow(PoolSeries series)
    {
        var samples = series.Samples;
        var last = samples.Count == 0 ? null : samples[^1];
        return
        [
            series.Driver, series.Name, Html.Number(last?.Used), Html.Number(samples.Select(s => s.Used).Max()), Html.Number(last?.Idle),
            Html.Number(last?.Max), Html.Number(samples.Select(s => s.PendingRequests).Max()),
            Html.Number(samples.LastOrDefault(s => s.Timeouts is not null)?.Timeouts), samples.Count.ToString(CultureInfo.InvariantCulture),
        ];
    }

    private static void WriteWarnings(StringBuilder html, Report report)
    {
        if (report.Warnings.Count == 0)
        {
            return;
        }

        html.Append("<section class=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
        foreach (var warning in report.Warnings)
        {
            html.Append("<li>").Append(Html.Text(warning)).Append("</li>\n");
        }

        html.Append("</ul>\n</section>\n");
    }

    private static void Table(StringBuilder html, string[] headers, IEnumerable<string[]> rows)
    {
        html.Append("<div class=\"table\"><table>\n<thead><tr>");
        foreach (var header in headers)
        {
            html.Append("<th>").Append(Html.Text(header)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr>");
            foreach (var cell in row)
            {
                html.Append("<td>").Append(Html.Text(cell)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table></div>\n");
    }

    /// <summary>A CSS class from a severity: only the three known words, whatever the report says.</summary>
    private static string Severity(string severity) => severity switch
    {
        Severities.Error => "error",
        Severities.Warning => "warning",
        _ => "info",
    };
}
