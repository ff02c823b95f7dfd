using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering.Html;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Rendering;

/// <summary>
/// The HTML page: well-formed, self-contained (nothing fetched, no script), everything from the target escaped, and
/// charts drawn from the report's numbers. The browser's view of it is checked end to end (HtmlReportBrowserTests).
/// </summary>
public sealed class HtmlRendererTests
{
    private const string Svg = "{http://www.w3.org/2000/svg}";

    /// <summary>The page parsed as XML: the renderer writes XHTML-compatible markup, so any unescaped text breaks this.</summary>
    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static string Render(Report report) => new HtmlRenderer().Render(report);

    [Fact]
    public void The_page_is_well_formed_has_the_sections_and_loads_nothing()
    {
        var html = Render(SampleReports.LeakyShop());
        var page = Parse(html);

        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        var headings = page.Descendants().Where(e => e.Name.LocalName is "h1" or "h2").Select(e => e.Value).ToList();
        Assert.Contains("Findings", headings);
        Assert.Contains("Pools (2)", headings);
        Assert.Contains("Connections in the heap", headings);
        Assert.Contains("Pools over the telemetry window", headings);
        Assert.Contains("Warnings", headings);

        // Nothing from elsewhere: no script, no linked style sheet, no image or frame, no CSS url(), links only within the page.
        Assert.DoesNotContain(page.Descendants(), e => e.Name.LocalName is "script" or "link" or "img" or "iframe" or "object" or "embed");
        Assert.DoesNotContain(page.Descendants().Attributes(), a => a.Name.LocalName is "src" || a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        Assert.All(page.Descendants().Attributes("href"), a => Assert.StartsWith("#", a.Value, StringComparison.Ordinal));
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default-src 'none'", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_from_the_target_is_escaped_and_reads_back_unchanged()
    {
        const string pool = "Host=db;Database=<script>alert('pool')</script>";
        const string sql = "SELECT '<b>' || \"x\" & 1 FROM t WHERE a < b";
        var report = SampleReports.LeakyShop();
        report = report with
        {
            Pools = report.Pools.Select(p => p with { Name = pool }).ToList(),
            Findings = report.Findings.Select(f => f with
            {
                Title = "title <img src=x onerror=alert(1)>",
                Objects = f.Objects.Select(o => o with { Sql = sql }).ToList(),
            }).ToList(),
        };

        var html = Render(report);
        var page = Parse(html);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        // Escaped, not dropped: the text a reader sees is what the target said.
        var cells = page.Descendants().Where(e => e.Name.LocalName == "td").Select(e => e.Value).ToList();
        Assert.Contains(pool, cells);
        Assert.Contains(sql, cells);
        Assert.Contains(page.Descendants().Where(e => e.Name.LocalName == "h3"), h => h.Value == "title <img src=x onerror=alert(1)>");
    }

    [Fact]
    public void No_secret_reaches_the_page()
    {
        var html = Render(SampleReports.LeakyShop());

        Assert.DoesNotContain("hunter2", html, StringComparison.Ordinal);
        Assert.Contains("Password=***", Parse(html).Root!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Heap_bars_show_each_pools_orphaned_held_and_idle_connections_to_scale()
    {
        const ulong leaking = 0x1000, holding = 0x2000, quiet = 0x3000;
        var heap = Heap(
            [NpgsqlPool(leaking, max: 10, busy: 6, idle: 2), NpgsqlPool(holding, "Host=db;Database=events", max: 10, busy: 1), NpgsqlPool(quiet, "Host=db;Database=idle", max: 10, idle: 3)],
            [.. Range(4, 0x10_0000, a => Connector(a, leaking, transaction: true)), Connector(0x20_0000, holding, held: true, holder: "static Worker.Listener")]);
        var report = Diagnose(heap);

        var svg = Assert.Single(Parse(Render(report)).Descendants(Svg + "svg"), e => e.Attribute("class")!.Value.Contains("pool-bars", StringComparison.Ordinal));
        double Width(string part, int row) =>
            svg.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == part).Select(r => double.Parse(r.Attribute("width")!.Value, CultureInfo.InvariantCulture)).ElementAt(row);

        // Pool 1: 4 orphaned, 2 other busy, 2 idle; pool 2: 1 held; pool 3: 3 idle. The scale is the largest max (10).
        var orphaned = svg.Elements(Svg + "rect").Where(r => (string?)r.Attribute("class") == "orphaned").ToList();
        Assert.Single(orphaned);
        Assert.Equal(SvgCharts.OrphanedFill, orphaned[0].Attribute("fill")!.Value);
        Assert.Equal(Width("orphaned", 0), 2 * Width("busy", 0), 1);
        Assert.Equal(Width("orphaned", 0), 4 * Width("held", 0), 1);
        Assert.Equal(Width("idle", 1), 1.5 * Width("idle", 0), 1);
        Assert.Equal(3, svg.Elements(Svg + "line").Count(l => (string?)l.Attribute("class") == "max"));
    }

    [Fact]
    public void The_telemetry_chart_draws_used_as_an_area_and_idle_and_max_as_lines_over_the_window()
    {
        var series = ClimbingSeries("Host=db;Database=shop", perSecond: 1, seconds: 10);
        var svg = XElement.Parse(SvgCharts.SeriesChart(series, windowSeconds: 12)!);

        var used = Assert.Single(svg.Elements(Svg + "polygon"), p => (string?)p.Attribute("class") == "used");
        Assert.Equal(SvgCharts.UsedFill, used.Attribute("fill")!.Value);
        var points = used.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(series.Samples.Count + 2, points.Count); // the samples, closed down to the axis at both ends
        Assert.True(points[^2][1] < points[1][1], "used climbs, so the last point is higher up (smaller y) than the first");
        Assert.Contains(svg.Elements(Svg + "polyline"), l => (string?)l.Attribute("class") == "max");
        Assert.Contains(svg.Elements(Svg + "polyline"), l => (string?)l.Attribute("class") == "idle");
    }

    [Fact]
    public void A_long_window_is_thinned_to_a_bounded_number_of_points_and_keeps_its_peak()
    {
        var samples = Enumerable.Range(0, 5000).Select(i => new PoolSample { Time = i, Used = i == 2345 ? 99 : 3, Idle = 1, Max = 100 }).ToList();
        var series = new PoolSeries { Driver = Npgsql, Name = "Host=db", Samples = samples };

        var svg = XElement.Parse(SvgCharts.SeriesChart(series, windowSeconds: 5000)!);

        var used = svg.Elements(Svg + "polygon").Single().Attribute("points")!.Value.Split(' ');
        Assert.Equal(SvgCharts.MaxPointsPerSeries + 2, used.Length);
        var top = used.Select(p => double.Parse(p.Split(',')[1], CultureInfo.InvariantCulture)).Min();
        Assert.True(top < 20, $"the peak of 99 of 100 should reach the top of the plot, highest point at y={top}");
    }

    [Fact]
    public void Without_level_samples_or_pool_counts_there_is_no_chart_but_the_page_still_renders()
    {
        var noLevels = new PoolSeries { Driver = Npgsql, Name = "Host=db", Samples = [new PoolSample { Time = 1, PendingRequests = 2 }] };
        Assert.Null(SvgCharts.SeriesChart(noLevels, 10));
        Assert.Null(SvgCharts.PoolBars([]));

        var report = new Report { Target = DumpTarget };
        var page = Parse(Render(report));
        Assert.Empty(page.Descendants(Svg + "svg"));
        Assert.Equal("No problems found", page.Descendants().Single(e => e.Name.LocalName == "h1").Value);
    }
}
