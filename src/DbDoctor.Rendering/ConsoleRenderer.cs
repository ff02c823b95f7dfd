using System.Globalization;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using Spectre.Console;

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

    private void WriteHeader(IAnsiConsole console, Report report)
    {
        var target = report.Target;
        var what = target.Kind == "dump" ? $"dump {target.Path}" : $"process {target.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"}";
        var runtime = target.RuntimeVersion is null ? "" : $" (.NET {target.RuntimeVersion})";
        var dim = new Style(decoration: Decoration.Dim);
        Hanging(console, "", $"DbDoctor: {what}{runtime}", 0, dim, extra: 2);
        if (Verdict.TriggerLine(report) is { } trigger)
        {
            Hanging(console, "", trigger, 0, dim, extra: 2);
        }

        if (Verdict.SnapshotLine(report) is { } snapshot)
        {
            Hanging(console, "", snapshot, 0, dim, extra: 2);
        }

        var hasProblems = report.Findings.Any(f => Severities.Rank(f.Severity) <= Severities.Rank(Severities.Warning));
        var color = hasProblems ? Color.Red : report.Snapshot is { Incomplete: true } || report.Inconclusive is not null ? Color.Yellow : Color.Green;
        Hanging(console, "", Verdict.Of(report), 0, new Style(color, decoration: Decoration.Bold), extra: 2);
    }

    private void WriteFindings(IAnsiConsole console, Report report)
    {
        foreach (var finding in report.Findings)
        {
            console.WriteLine();
            var severity = finding.Severity.ToUpperInvariant();
            var pool = finding.Pool is null ? "" : $"  pool '{finding.Pool}'";
            var head = TextWrap.Lines($"{finding.Kind}  x{finding.Count}  {finding.Driver}{pool}", _options.Width - 8);
            console.Write(new Text($"{severity,-7}", new Style(SeverityColor(finding.Severity), decoration: Decoration.Bold)));
            console.Write(new Text(" " + head[0], new Style(decoration: Decoration.Dim)));
            console.WriteLine();
            foreach (var more in head.Skip(1))
            {
                console.Write(new Text(new string(' ', 8) + more, new Style(decoration: Decoration.Dim)));
                console.WriteLine();
            }

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
                Hanging(console, "", ObjectLine(o), 4, Style.Plain, extra: 2);
                if (o.RootPath.Count > 0)
                {
                    Hanging(console, "root: ", string.Join(" -> ", o.RootPath), 6, new Style(decoration: Decoration.Dim));
                }

                if (o.HolderStack.Count > 0)
                {
                    Hanging(console, "now: ", string.Join(" <- ", o.HolderStack.Take(HolderFramesShown).Select(WithoutParameters)), 6, new Style(decoration: Decoration.Dim));
                }

                if (o.Origin is { } origin)
                {
                    Hanging(console, "origin: ", OriginText.Of(origin), 6, new Style(decoration: Decoration.Dim));
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

    private void WritePools(IAnsiConsole console, Report report)
    {
        if (report.Pools.Count == 0)
        {
            return;
        }

        console.WriteLine();
        foreach (var (text, bold) in ConsolePoolsTable.Lines(report.Pools, _options.Width))
        {
            console.Write(new Text(text, bold ? new Style(decoration: Decoration.Bold) : Style.Plain));
            console.WriteLine();
        }
    }

    private void WriteTelemetry(IAnsiConsole console, Report report)
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
            Hanging(console, "", SeriesLine(series), 2, Style.Plain, extra: 2);
        }

        foreach (var e in telemetry.Exceptions.OrderByDescending(e => e.Count).Take(5))
        {
            Hanging(console, "", $"{e.Type} x{e.Count} ({e.Events} events): {e.Message}", 2, Style.Plain, extra: 2);
        }

        if (telemetry.Pools.Count == 0 && telemetry.Exceptions.Count == 0)
        {
            Indented(console, "No pool counters or exceptions were reported during the window.", 2, Style.Plain);
        }

        if (telemetry.Trace is { } trace)
        {
            Indented(console, OriginText.Summary(trace), 2, Style.Plain);
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

    private void WriteWarnings(IAnsiConsole console, Report report)
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
            Hanging(console, "- ", warning, 2, Style.Plain);
        }
    }

    private void Indented(IAnsiConsole console, string text, int indent, Style style) => Hanging(console, "", text, indent, style);

    /// <summary>
    /// A marker ("- ", "Advice: ") with the text wrapping under the text, not under the marker (and <paramref name="extra"/>
    /// columns further in): wrapped here (<see cref="TextWrap"/>), so that no line is longer than the width and no word is split.
    /// </summary>
    private void Hanging(IAnsiConsole console, string marker, string text, int indent, Style style, int extra = 0)
    {
        var first = new string(' ', indent) + marker;
        var rest = new string(' ', first.Length + extra);
        var lines = TextWrap.Lines(text, _options.Width - first.Length, _options.Width - rest.Length);
        for (var i = 0; i < lines.Count; i++)
        {
            console.Write(new Text((i == 0 ? first : rest) + lines[i], style));
            console.WriteLine();
        }
    }

    private static string Number(double? value) => value is null ? "-" : value.Value.ToString("0.##", CultureInfo.InvariantCulture);


    private static Color SeverityColor(string severity) => severity switch
    {
        Severities.Error => Color.Red,
        Severities.Warning => Color.Yellow,
        _ => Color.Blue,
    };
}
