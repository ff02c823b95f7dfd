using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Watch;

/// <summary>
/// The fleet's view: a real Prometheus scrapes <c>dbdoctor watch --prometheus</c> every second, and a query through its
/// HTTP API returns the leaking pool's used connections, the number the service itself says it leaked.
/// </summary>
[Collection("postgres")]
public sealed class PrometheusScrapeTests(PostgresServer server) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-watch-prom-").FullName;

    [Fact]
    public async Task A_real_Prometheus_scraping_watch_returns_the_leaking_pools_used_connections_and_metrics_carry_no_secret()
    {
        var environment = new Dictionary<string, string> { ["TMPDIR"] = _tmp + "/" };
        var applicationName = $"e2e-watch-prom-{Guid.NewGuid():N}"[..30];
        using var app = await TestApp.StartAsync("npgsql-transaction-leak",
            ["--pg", server.ConnectionString, "--app-name", applicationName, "--count", "6"], null, environment);
        var leaked = app.ExpectedCount("leaked-transaction");
        Assert.True(leaked > 0, app.HandshakeLine);

        var metricsPort = PrometheusServer.FreeTcpPort();
        using var watch = WatchProcess.Start(
            [app.Pid.ToString(CultureInfo.InvariantCulture), "--prometheus", $"127.0.0.1:{metricsPort}", "--report-dir", Path.Combine(_tmp, "reports")], environment);
        Assert.True(await watch.WaitForAsync(() => watch.RowsOf(app.Pid, applicationName).Any(), TimeSpan.FromSeconds(60)), watch.ToString());

        // Its main pool; the scenario's setup connection (unpooled, "<name>-setup") shows up as a pool of its own.
        bool IsTheLeakingPool(Dictionary<string, string> labels) =>
            (labels["pool"] + ";").Contains($"Application Name={applicationName};", StringComparison.Ordinal);

        using var prometheus = new PrometheusServer($"127.0.0.1:{metricsPort}");
        var query = $"dbdoctor_pool_connections{{state=\"used\",pid=\"{app.Pid}\"}}";
        (string Text, List<(Dictionary<string, string> Labels, double Value)> Series) answer = ("", []);
        Assert.True(await watch.WaitForAsync(() =>
        {
            answer = prometheus.QueryAsync(query).GetAwaiter().GetResult();
            return answer.Series.Any(s => IsTheLeakingPool(s.Labels));
        }, TimeSpan.FromSeconds(90)), $"no used-connections series for the pool. last answer: {answer.Text}\n{prometheus}\n{watch}");

        var used = Assert.Single(answer.Series, s => IsTheLeakingPool(s.Labels));
        Assert.Equal(leaked, used.Value);
        Assert.Equal("dbdoctor", used.Labels["job"]);
        Assert.Equal("Npgsql", used.Labels["driver"]);
        Assert.Equal("DbDoctor.TestApp", used.Labels["process"]);
        Assert.DoesNotContain("Password", used.Labels["pool"], StringComparison.OrdinalIgnoreCase);

        // The same pool's maximum, as the service's own pool reports it (Npgsql's default, 100).
        var max = await prometheus.QueryAsync($"dbdoctor_pool_max_connections{{pid=\"{app.Pid}\"}}");
        Assert.Equal(100, Assert.Single(max.Series, s => IsTheLeakingPool(s.Labels)).Value);
        var up = await prometheus.QueryAsync("up{job=\"dbdoctor\"}");
        Assert.Equal(1, Assert.Single(up.Series).Value);

        using var http = new HttpClient();
        var exposition = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
        Assert.Contains("dbdoctor_pool_connections{", exposition, StringComparison.Ordinal);
        foreach (var text in new[] { exposition, answer.Text, max.Text, watch.Stderr })
        {
            Assert.DoesNotContain(PostgresServer.Password, text, StringComparison.Ordinal);
        }

        Assert.Equal(0, await watch.StopAsync("TERM", TimeSpan.FromSeconds(20)));
        Assert.False(app.HasExited, app.Stderr);
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    public void Dispose() => Directory.Delete(_tmp, recursive: true);
}
