using System.Globalization;
using System.Text;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering.Html;

/// <summary>
/// The report's charts as inline SVG (no script, no external asset): each pool's used/idle/max over the telemetry
/// window, and the heap's pools as stacked bars (orphaned, held, other busy, idle). Colours are fixed so that a
/// screenshot test can find them.
/// </summary>
public static class SvgCharts
{
    /// <summary>Fill of the area under "used" in the telemetry chart.</summary>
    public const string UsedFill = "#e8590c";
    public const string IdleStroke = "#1971c2";
    public const string MaxStroke = "#212529";

    /// <summary>Fill of the orphaned (leaked) part of a pool's bar.</summary>
    public const string OrphanedFill = "#c2255c";
    public const string HeldFill = "#f59f00";
    public const string OtherBusyFill = "#868e96";
    public const string IdleFill = "#40c057";

    /// <summary>A long window has thousands of samples; more points than pixels only make the file heavy.</summary>
    public const int MaxPointsPerSeries = 400;

    /// <summary>A sprawl can have hundreds of pools; the bars show the busiest, the table lists them all.</summary>
    public const int MaxBars = 40;

    private const double Width = 760, Height = 240, Left = 44, Right = 12, Top = 12, Bottom = 30;

    /// <summary>Used (filled area), idle and max (lines) of one pool over the window; null when the series has no level samples.</summary>
    public static string? SeriesChart(PoolSeries series, double windowSeconds)
    {
        ArgumentNullException.ThrowIfNull(series);
        var samples = Thin(series.Samples.Where(s => s.Used is not null || s.Idle is not null).ToList());
        if (samples.Count == 0)
        {
            return null;
        }

        var xMax = Math.Max(Math.Max(windowSeconds, samples[^1].Time), 1);
        var yMax = NiceCeiling(samples.Max(s => Math.Max(s.Used ?? 0, Math.Max(s.Idle ?? 0, s.Max ?? 0))));
        double X(double t) => Left + (t / xMax * (Width - Left - Right));
        double Y(double v) => Top + ((1 - (v / yMax)) * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart series-chart\" width=\"{Width}\" height=\"{Height + 22}\" viewBox=\"0 0 {Width} {Height + 22}\" role=\"img\">");
        svg.Append("<title>").Append(Html.Text($"{series.Driver} pool {series.Name}: used, idle and max connections over the window")).Append("</title>");
        Axes(svg, xMax, yMax, X, Y);

        var used = samples.Where(s => s.Used is not null).ToList();
        if (used.Count > 0)
        {
            // One sample has no width: give it a sliver so that it still shows.
            var points = used.Select(s => (X(s.Time), Y(s.Used!.Value))).ToList();
            if (points.Count == 1)
            {
                points.Add((points[0].Item1 + 4, points[0].Item2));
            }

            var area = new StringBuilder();
            area.Append(Html.Coordinate(points[0].Item1)).Append(',').Append(Html.Coordinate(Y(0)));
            foreach (var (x, y) in points)
            {
                area.Append(' ').Append(Html.Coordinate(x)).Append(',').Append(Html.Coordinate(y));
            }

            area.Append(' ').Append(Html.Coordinate(points[^1].Item1)).Append(',').Append(Html.Coordinate(Y(0)));
            svg.Append(CultureInfo.InvariantCulture, $"<polygon class=\"used\" fill=\"{UsedFill}\" stroke=\"none\" points=\"{area}\"/>");
        }

        Line(svg, "idle", IdleStroke, "", samples.Where(s => s.Idle is not null).Select(s => (X(s.Time), Y(s.Idle!.Value))));
        Line(svg, "max", MaxStroke, " stroke-dasharray=\"6 4\"", samples.Where(s => s.Max is not null).Select(s => (X(s.Time), Y(s.Max!.Value))));
        Legend(svg, Height + 6, [("used", UsedFill), ("idle", IdleStroke), ("max", MaxStroke)]);
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>One stacked bar per heap pool (the busiest <see cref="MaxBars"/>); null when no pool has counts.</summary>
    public static string? PoolBars(IReadOnlyList<PoolReport> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var rows = pools.Select((p, i) => (Pool: p, Number: i + 1))
            .Where(r => r.Pool.Busy is not null || r.Pool.Idle is not null)
            .OrderByDescending(r => r.Pool.Orphaned)
            .ThenByDescending(r => r.Pool.Busy ?? 0)
            .ThenBy(r => r.Number)
            .Take(MaxBars)
            .OrderBy(r => r.Number)
            .ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        const double label = 130, barWidth = 400, rowHeight = 24, top = 8;
        var scale = Math.Max(1, rows.Max(r => Math.Max((r.Pool.Busy ?? 0) + (r.Pool.Idle ?? 0), r.Pool.Pooling ? r.Pool.Max ?? 0 : 0)));
        var height = top + (rows.Count * rowHeight) + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart pool-bars\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" role=\"img\">");
        svg.Append("<title>Connections of each pool in the heap: orphaned, held, other busy, idle</title>");
        var y = top;
        foreach (var (pool, number) in rows)
        {
            var busy = pool.Busy ?? 0;
            var otherBusy = Math.Max(0, busy - pool.Orphaned - pool.Held);
            var x = label;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{Html.Coordinate(y + 15)}\" class=\"label\">#{number} {Html.Text(ShortDriver(pool.Driver))}</text>");
            foreach (var (part, value, fill) in new[] { ("orphaned", pool.Orphaned, OrphanedFill), ("held", pool.Held, HeldFill), ("busy", otherBusy, OtherBusyFill), ("idle", pool.Idle ?? 0, IdleFill) })
            {
                if (value <= 0)
                {
                    continue;
                }

                var w = value * barWidth / scale;
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{part}\" x=\"{Html.Coordinate(x)}\" y=\"{y + 3}\" width=\"{Html.Coordinate(w)}\" height=\"{rowHeight - 6}\" fill=\"{fill}\"><title>{part} {value}</title></rect>");
                x += w;
            }

            if (pool.Pooling && pool.Max is { } max)
            {
                var mx = label + (max * barWidth / scale);
                svg.Append(CultureInfo.InvariantCulture, $"<line class=\"max\" x1=\"{Html.Coordinate(mx)}\" x2=\"{Html.Coordinate(mx)}\" y1=\"{y}\" y2=\"{y + rowHeight}\" stroke=\"{MaxStroke}\" stroke-width=\"2\"/>");
            }

            var values = $"busy {Html.Number(pool.Busy)} (orphaned {pool.Orphaned}, held {pool.Held}), idle {Html.Number(pool.Idle)}" + (pool.Pooling && pool.Max is not null ? $", max {pool.Max}" : "");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{label + barWidth + 10}\" y=\"{Html.Coordinate(y + 15)}\" class=\"value\">{Html.Text(values)}</text>");
            y += rowHeight;
        }

        Legend(svg, y + 8, [("orphaned", OrphanedFill), ("held", HeldFill), ("other busy", OtherBusyFill), ("idle", IdleFill), ("max", MaxStroke)]);
        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Axes(StringBuilder svg, double xMax, double yMax, Func<double, double> x, Func<double, double> y)
    {
        svg.Append("<g class=\"axes\" stroke=\"#ced4da\" stroke-width=\"1\">");
        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Html.Coordinate(y(v))}\" y2=\"{Html.Coordinate(y(v))}\"/>");
        }

        svg.Append("</g><g class=\"ticks\">");
        for (var i = 0; i <= 4; i++)
        {
            var v = yMax * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Html.Coordinate(y(v) + 4)}\" text-anchor=\"end\">{Html.Number(v)}</text>");
            var t = xMax * i / 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Html.Coordinate(x(t))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{Html.Number(Math.Round(t, 1))} s</text>");
        }

        svg.Append("</g>");
    }

    private static void Line(StringBuilder svg, string name, string stroke, string extra, IEnumerable<(double X, double Y)> points)
    {
        var list = points.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var text = string.Join(' ', list.Select(p => Html.Coordinate(p.X) + "," + Html.Coordinate(p.Y)));
        svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"{name}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"{extra} points=\"{text}\"/>");
    }

    private static void Legend(StringBuilder svg, double y, (string Name, string Colour)[] entries)
    {
        var x = Left;
        foreach (var (name, colour) in entries)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Html.Coordinate(x)}\" y=\"{Html.Coordinate(y)}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Html.Coordinate(x + 16)}\" y=\"{Html.Coordinate(y + 11)}\" class=\"legend\">{Html.Text(name)}</text>");
            x += 24 + (name.Length * 7.5);
        }
    }

    /// <summary>At most <see cref="MaxPointsPerSeries"/> samples: per bucket the one with the most used connections, so peaks survive.</summary>
    private static List<PoolSample> Thin(List<PoolSample> samples)
    {
        if (samples.Count <= MaxPointsPerSeries)
        {
            return samples;
        }

        var bucket = (double)samples.Count / MaxPointsPerSeries;
        return Enumerable.Range(0, MaxPointsPerSeries)
            .Select(i => samples.GetRange((int)(i * bucket), Math.Max(1, (int)((i + 1) * bucket) - (int)(i * bucket))).MaxBy(s => s.Used ?? 0)!)
            .ToList();
    }

    /// <summary>1, 2, 5 × 10^n at or above the value, so the axis ticks are round.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 4)
        {
            return 4;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 4.0, 5.0, 10.0 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string ShortDriver(string driver) => driver[(driver.LastIndexOf('.') + 1)..];
}
