using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Model.Watch;
using DbDoctor.Prometheus;

namespace DbDoctor.Tests.Prometheus;

public class WatchMetricsTests
{
    private const string Secret = "Host=db;Database=shop;Username=app;Password=hunter2;Maximum Pool Size=10";

    private static WatchSample Sample(int pid, params WatchPoolRow[] rows) => new()
    {
        Time = "2026-12-07T08:00:00.000Z", Pid = pid, WatchedSeconds = 30, Pools = rows,
    };

    private static WatchPoolRow Row(string pool, double used, double? leakRate = null, double timeouts = 4) => new()
    {
        Driver = "Npgsql", Pool = pool, Used = used, Idle = 0, Max = 10, Pending = 3, Timeouts = timeouts, LeakRatePerMinute = leakRate,
    };

    [Fact]
    public async Task Pools_are_exposed_per_process_with_redacted_names_in_the_documented_metrics()
    {
        var metrics = new WatchMetrics();
        metrics.Update(Sample(42, Row(Secret, 10, leakRate: 60)), "Shop.Api");

        var text = await metrics.ExportAsync();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Matches(@"dbdoctor_pool_connections\{pid=""42"",process=""Shop.Api"",driver=""Npgsql"",pool=""Host=db;[^""]*"",state=""used""\} 10", text);
        Assert.Matches(@"dbdoctor_pool_connections\{[^}]*state=""idle""\} 0", text);
        Assert.Matches(@"dbdoctor_pool_max_connections\{[^}]*\} 10", text);
        Assert.Matches(@"dbdoctor_pool_pending_requests\{[^}]*\} 3", text);
        Assert.Matches(@"dbdoctor_pool_timeouts_total\{[^}]*\} 4", text);
        Assert.Matches(@"# TYPE dbdoctor_pool_timeouts_total counter", text);
        Assert.Matches(@"dbdoctor_leak_rate_per_minute\{[^}]*\} 60", text);
    }

    [Fact]
    public async Task Findings_of_the_last_snapshot_replace_the_previous_ones_and_snapshots_are_counted()
    {
        var metrics = new WatchMetrics();
        metrics.Update(Sample(42, Row("shop", 10)), "Shop.Api");
        metrics.Snapshot(42, "Shop.Api", Report(("leaked-transaction", "error", 9), ("pool-exhaustion", "error", 10)));
        metrics.Snapshot(42, "Shop.Api", Report(("leaked-reader", "error", 2)));

        var text = await metrics.ExportAsync();

        Assert.Matches(@"dbdoctor_findings\{pid=""42"",process=""Shop.Api"",kind=""leaked-reader"",severity=""error""\} 2", text);
        Assert.DoesNotContain("leaked-transaction", text, StringComparison.Ordinal);
        Assert.Matches(@"dbdoctor_snapshots_total\{pid=""42"",process=""Shop.Api""\} 2", text);
    }

    [Fact]
    public async Task A_pool_no_longer_reported_and_a_process_that_exited_leave_no_series()
    {
        var metrics = new WatchMetrics();
        metrics.Update(Sample(42, Row("Host=a", 1), Row("Host=b", 2)), "Shop.Api");
        metrics.Update(Sample(43, Row("Host=c", 3)), "Billing");
        metrics.Update(Sample(42, Row("Host=a", 1)), "Shop.Api");
        metrics.Snapshot(43, "Billing", Report(("leaked-connection", "error", 1)));

        metrics.Forget(43);
        var text = await metrics.ExportAsync();

        Assert.Contains("pool=\"Host=a\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Host=b", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pid=\"43\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_values_are_no_series_rather_than_zero()
    {
        var metrics = new WatchMetrics();
        metrics.Update(Sample(42, new WatchPoolRow { Driver = "Npgsql", Pool = "Host=a", Used = 1 }), "Shop.Api");

        var text = await metrics.ExportAsync();

        Assert.Matches(@"dbdoctor_pool_connections\{[^}]*state=""used""\} 1", text);
        Assert.DoesNotMatch(@"dbdoctor_pool_max_connections\{", text);
        Assert.DoesNotMatch(@"dbdoctor_leak_rate_per_minute\{", text);
        Assert.DoesNotMatch(@"dbdoctor_pool_timeouts_total\{", text);
    }

    [Theory]
    [InlineData("9464", "+", 9464)]
    [InlineData("127.0.0.1:9464", "127.0.0.1", 9464)]
    [InlineData("localhost:80", "localhost", 80)]
    [InlineData("0.0.0.0:9464", "+", 9464)]
    [InlineData("[::]:9464", "+", 9464)]
    public void Address_is_host_and_port_or_a_bare_port(string text, string host, int port)
    {
        Assert.True(MetricsEndpoint.TryParse(text, out var parsedHost, out var parsedPort));
        Assert.Equal((host, port), (parsedHost, parsedPort));
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("[::]", "127.0.0.1")]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("", "127.0.0.1")]
    public async Task The_endpoint_serves_metrics_on_the_address_it_was_given(string host, string scrapeHost)
    {
        var port = FreePort();
        var address = host.Length == 0 ? $"{port}" : $"{host}:{port}";
        Assert.True(MetricsEndpoint.TryParse(address, out var listenHost, out var listenPort));
        var metrics = new WatchMetrics();
        metrics.Update(Sample(42, Row("Host=svc", 3)), "svc");
        using var endpoint = MetricsEndpoint.Start(listenHost, listenPort, metrics);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        var text = await http.GetStringAsync(new Uri($"http://{scrapeHost}:{port}/metrics"));

        Assert.Contains("dbdoctor_pool_connections{", text, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("")]
    [InlineData("nine")]
    [InlineData(":9464")]
    [InlineData("host:")]
    [InlineData("70000")]
    [InlineData("0")]
    [InlineData("[::1]:9464")]
    [InlineData("[fd00::2]:9464")]
    public void Bad_addresses_are_refused(string text) => Assert.False(MetricsEndpoint.TryParse(text, out _, out _));

    private static Report Report(params (string Kind, string Severity, int Count)[] findings) => new()
    {
        Target = new TargetInfo { Kind = "process", Pid = 42 },
        Findings = findings.Select(f => new Finding { Kind = f.Kind, Severity = f.Severity, Driver = "Npgsql", Count = f.Count, Title = f.Kind, Advice = "" }).ToList(),
    };
}
