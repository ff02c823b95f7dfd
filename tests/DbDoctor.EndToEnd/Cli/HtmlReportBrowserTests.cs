using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;
using DbDoctor.Rendering.Html;
using Xunit.Abstractions;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>attach --format html</c> on a service leaking into a 10-connection pool, opened in a real browser (Debian's
/// headless Chromium): the page renders and both charts are on screen, counted by their fill colours in the
/// screenshot, and the page holds no secret.
/// </summary>
[Collection("postgres")]
public sealed class HtmlReportBrowserTests(PostgresServer server, ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _work = Directory.CreateTempSubdirectory("dbdoctor-e2e-html-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Attach_html_report_renders_in_chromium_with_the_pool_charts_visible_and_no_secret()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (.ci/run installs it)");
        var applicationName = $"e2e-html-{Guid.NewGuid():N}"[..30];
        using var app = await TestApp.StartAsync("npgsql-leak-under-load",
            ["--pg", server.ConnectionString, "--app-name", applicationName, "--max-pool", "10", "--timeout", "2", "--leak-interval-ms", "500", "--workers", "4"]);
        var report = Path.Combine(_work, "report.html");

        var run = await DbDoctorCli.RunAsync("attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "6s", "--format", "html", "--output", report);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Equal("", run.Stdout);
        var html = await File.ReadAllTextAsync(report);
        Assert.DoesNotContain(PostgresServer.Password, html, StringComparison.Ordinal);
        Assert.DoesNotContain(System.Net.WebUtility.HtmlEncode(PostgresServer.Password), html, StringComparison.Ordinal);
        Assert.Contains(applicationName, html, StringComparison.Ordinal);
        Assert.Contains("leaked-transaction", html, StringComparison.Ordinal);

        var screenshot = await ScreenshotAsync(report);

        // The heap's bars: the leaking pool's orphaned connections. The telemetry chart: the area under "used".
        var orphaned = screenshot.Count(SvgCharts.OrphanedFill);
        var used = screenshot.Count(SvgCharts.UsedFill);
        output.WriteLine($"screenshot pixels: orphaned bars {orphaned}, used area {used}");
        Assert.True(orphaned > 1500, $"orphaned-bar pixels in the screenshot: {orphaned}");
        Assert.True(used > 5000, $"used-area pixels in the screenshot: {used}");
    }

    /// <summary>A 1200x1600 screenshot of the page, by Chromium with a throwaway profile; bounded to a minute.</summary>
    private async Task<PngImage> ScreenshotAsync(string page)
    {
        var png = Path.Combine(_work, "screenshot.png");
        var result = await ChildProcess.RunAsync(Chromium,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", "--force-color-profile=srgb",
                "--force-device-scale-factor=1", $"--user-data-dir={Path.Combine(_work, "profile")}", $"--screenshot={png}",
                "--window-size=1200,1600", new Uri(page).AbsoluteUri,
            ],
            TimeSpan.FromSeconds(60));
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {result.ExitCode}): {result.Stderr}");
        var image = PngImage.Read(png);
        Assert.Equal((1200, 1600), (image.Width, image.Height));
        return image;
    }
}
