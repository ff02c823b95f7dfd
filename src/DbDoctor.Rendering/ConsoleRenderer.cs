using System.Globalization;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace DbDoctor.Rendering;

/// <summary>
/// The report for people: the verdict first, then each finding (most severe first) with its evidence and advice,
/// then the pools, the live telemetry and the caveats. Rendered into a string through Spectre.Console.
/// </summary>
public sealed class ConsoleRenderer : ReportRenderer
{
    // The innermost frames say what the holder is doing now; the JSON report keeps them all.
    private const int HolderFramesShown = 6;

    private readonly ConsoleRenderOptions _options;

    public ConsoleRenderer(ConsoleRenderOptions? options = null)
    {
        _options = options ?? new ConsoleRenderOptions();
    }

    protected override string Write(Report redacted)
    {
        ArgumentNullException.ThrowIfNull(redacted);
        var report = redacted;
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = _options.Color ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = _options.Color ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = _options.Width;

        WriteHeader(console, report);
        WriteFindings(console, report);
        WritePools(console, report);
        WriteTelemetry(console, report);
        WriteWarnings(console, report);
        // Spectre pads wrapped text and tables to the full width; trailing blanks only get in the way of copy and diff.
        return string.Join('\n', writer.ToString().Split('\n').Select(line => line.TrimEnd(' ', '\r')));
    }

    private static void WriteHeader(IAnsiConsole console, Report report)
    {
        var target = report.Target;
        var what = target.Kind == "dump" ? $"dump {target.Path}" : $"process {target.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
        var runtime = target.RuntimeVersion is null ? "" : $" (.NET {target.RuntimeVersion})";
        console.Write(new Text($"DbDoctor: {what}{runtime}", new Style(decoration: Decoration.Dim)));
        console.WriteLine();
        if (Verdict.TriggerLine(report) is { } trigger)
        {
            console.Write(new Text(trigger, new Style(decoration: Decoration.Dim)));
            console.WriteLine();
        }

        if (Verdict.SnapshotLine(report) is { } snapshot)
        {
            console.Write(new Text(snapshot, new Style(decoration: Decoration.Dim)));
            console.WriteLine();
        }

        var hasProblems = report.Findings.Any(f => Severities.Rank(f.Severity) <= Severities.Rank(Severities.Warning));
        var color = hasProblems ? Color.Red : report.Snapshot is { Incomplete: true } || report.Inconclusive is not null ? Color.Yellow : Color.Green;
        console.Write(new Text(Verdict.Of(report), new Style(color, decoration: Decoration.Bold)));
        console.WriteLine();
    }

    private void WriteFindings(IAnsiConsole console, Report report)
    {
        foreach (var finding in report.Findings)
        {
            console.WriteLine();
            var severity = finding.Severity.ToUpperInvariant();
            var pool = finding.Pool is null ? "" : $"  pool '{finding.Pool}'";
            console.Write(new Text($"{severity,-7}", new Style(SeverityColor(finding.Severity), decoration: Decoration.Bold)));
            console.Write(new Text($" {finding.Kind}  x{finding.Count}  {finding.Driver}{pool}", new Style(decoration: Decoration.Dim)));
            console.WriteLine();
            Indented(console, finding.Title, 2, new Style(decoration: Decoration.Bold));
            foreach (var line in finding.Evidence)
            {
                Hanging(console, "- ", line, 4, Style.Plain);
            }

            Hanging(console, "Advice: ", finding.Advice, 2, new Style(Color.Cyan1));
            var shown = finding.Objects.Take(_options.ObjectsPerFinding).ToList();
            if (shown.Count > 0)
            {
                Indented(console, $"Objects ({shown.Count} of {finding.Objects.Count} listed):", 2, Style.Plain);
            }

            foreach (var o in shown)
            {
                Indented(console, ObjectLine(o), 4, Style.Plain);
                if (o.RootPath.Count > 0)
                {
                    Hanging(console, "root: ", string.Join(" -> ", o.RootPath), 6, new Style(decoration: Decoration.Dim));
                }

                if (o.HolderStack.Count > 0)
                {
                    Hanging(console, "now: ", string.Join(" <- ", o.HolderStack.Take(HolderFramesShown).Select(WithoutParameters)), 6, new Style(decoration: Decoration.Dim));
                }
            }
        }
    }

    /// <summary>A frame's method without its parameter list, which the JSON report keeps.</summary>
    private static string WithoutParameters(string frame) => frame.IndexOf('(', StringComparison.Ordinal) is > 0 and var open ? frame[..open] : frame;

    private static string ObjectLine(FindingObject o)
    {
        var parts = new List<string> { $"{o.Type} {o.Address}" };
        if (o.State is not null)
        {
            parts.Add("state " + o.State);
        }

        if (o.ServerPid is { } pid)
        {
            parts.Add("server pid " + pid.ToString(CultureInfo.InvariantCulture));
        }

        if (o.Holder is not null)
        {
            parts.Add("held by " + o.Holder);
        }

        if (o.Sql is not null)
        {
            parts.Add($"sql '{o.Sql}'");
        }

        return string.Join("; ", parts);
    }

    private static void WritePools(IAnsiConsole console, Report report)
    {
        if (report.Pools.Count == 0)
        {
            return;
        }

        console.WriteLine();
        console.Write(new Text($"Pools ({report.Pools.Count})", new Style(decoration: Decoration.Bold)));
        console.WriteLine();
        // Pool names are long connection strings: they go below the table, keyed by number, so the columns stay readable.
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "#", "Driver", "Max", "Total", "Idle", "Busy", "Orphaned", "Held", "Disposed", "Retained by" })
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        var number = 0;
        foreach (var p in report.Pools)
        {
            table.AddRow(Cells(
                $"{++number}",
                ShortDriver(p.Driver),
                p.Pooling ? Number(p.Max) : "no pooling",
                Number(p.Total),
                Number(p.Idle),
                Number(p.Busy),
                Number(p.Orphaned),
                Number(p.Held),
                p.Disposed ? "yes" : "no",
                p.RetainedBy.Count == 0 ? "-" : string.Join(", ", p.RetainedBy.Select(ShortRetainer))));
        }

        console.Write(table);
        number = 0;
        foreach (var p in report.Pools)
        {
            var holder = p.Holder is null ? "" : $"  (held by {p.Holder})";
            console.Write(new Text($"  #{++number} {p.Name}{holder}"));
            console.WriteLine();
        }
    }

    /// <summary>"Vendor.Data.Driver" -> "Driver": the table is for people; JSON keeps full names.</summary>
    private static string ShortDriver(string driver) => driver[(driver.LastIndexOf('.') + 1)..];

    /// <summary>"static:Vendor.Registry.Pools" -> "static Registry.Pools" (type and field, no namespace).</summary>
    private static string ShortRetainer(string retainer)
    {
        const string prefix = "static:";
        if (!retainer.StartsWith(prefix, StringComparison.Ordinal))
        {
            return retainer;
        }

        var name = retainer[prefix.Length..];
        var field = name.LastIndexOf('.');
        var type = field > 0 ? name.LastIndexOf('.', field - 1) : -1;
        return "static " + (type >= 0 ? name[(type + 1)..] : name);
    }

    private static void WriteTelemetry(IAnsiConsole console, Report report)
    {
        if (report.Telemetry is not { } telemetry)
        {
            return;
        }

        console.WriteLine();
        console.Write(new Text($"Telemetry ({Number(telemetry.WindowSeconds)} s window)", new Style(decoration: Decoration.Bold)));
        console.WriteLine();
        foreach (var series in telemetry.Pools)
        {
            Indented(console, SeriesLine(series), 2, Style.Plain);
        }

        foreach (var e in telemetry.Exceptions.OrderByDescending(e => e.Count).Take(5))
        {
            Indented(console, $"{e.Type} x{e.Count} ({e.Events} events): {e.Message}", 2, Style.Plain);
        }

        if (telemetry.Pools.Count == 0 && telemetry.Exceptions.Count == 0)
        {
            Indented(console, "No pool counters or exceptions were reported during the window.", 2, Style.Plain);
        }
    }

    internal static string SeriesLine(PoolSeries series)
    {
        var samples = series.Samples;
        var last = samples.Count == 0 ? null : samples[^1];
        var peakUsed = samples.Select(s => s.Used).Max();
        var peakPending = samples.Select(s => s.PendingRequests).Max();
        var timeouts = samples.LastOrDefault(s => s.Timeouts is not null)?.Timeouts;
        return $"{series.Driver} '{series.Name}': used {Number(last?.Used)} (peak {Number(peakUsed)}) of max {Number(last?.Max)}, " +
               $"idle {Number(last?.Idle)}, pending peak {Number(peakPending)}, timeouts {Number(timeouts)}, {samples.Count} sample{(samples.Count == 1 ? "" : "s")}";
    }

    private static void WriteWarnings(IAnsiConsole console, Report report)
    {
        if (report.Warnings.Count == 0)
        {
            return;
        }

        console.WriteLine();
        console.Write(new Text("Warnings", new Style(Color.Yellow, decoration: Decoration.Bold)));
        console.WriteLine();
        foreach (var warning in report.Warnings)
        {
            Indented(console, "- " + warning, 2, Style.Plain);
        }
    }

    private static void Indented(IAnsiConsole console, string text, int indent, Style style) =>
        console.Write(new Padder(new Text(text, style), new Padding(indent, 0, 0, 0)) { Expand = false });

    /// <summary>A marker ("- ", "Advice: ") with the text wrapping under the text, not under the marker.</summary>
    private static void Hanging(IAnsiConsole console, string marker, string text, int indent, Style style)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadLeft(0).PadRight(0));
        grid.AddColumn(new GridColumn().PadLeft(0).PadRight(0));
        grid.AddRow(new Text(marker, style), new Text(text, style));
        console.Write(new Padder(grid, new Padding(indent, 0, 0, 0)) { Expand = false });
    }

    private static IRenderable[] Cells(params string[] values) => values.Select(v => (IRenderable)new Text(v)).ToArray();

    private static string Number(double? value) => value is null ? "-" : value.Value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static Color SeverityColor(string severity) => severity switch
    {
        Severities.Error => Color.Red,
        Severities.Warning => Color.Yellow,
        _ => Color.Blue,
    };
}
