using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>dbdoctor attach</c> on MySqlConnector services on the private MariaDB: the driver's own meter (used/idle reported as
/// changes since the session began, anchored on the heap's count), its exceptions, and the OS socket table, checked
/// against the handshake and the server's processlist.
/// </summary>
[Collection("mariadb")]
public sealed class MySqlAttachTests(MariaDbServer server)
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    private Task<TestApp> StartAsync(string scenario, string tag, params string[] arguments) =>
        TestApp.StartAsync(scenario, ["--mysql", server.ConnectionStringFor($"e2e_at_{tag}_{RunId}"), .. arguments]);

    private static Task<AttachRun> AttachAsync(TestApp app, int seconds, params string[] extra) =>
        AttachRun.RunAsync(app.Pid, ["--duration", seconds.ToString(CultureInfo.InvariantCulture) + "s", .. extra]);

    /// <summary>Every finding kind the handshake promises is reported that many times, and nothing else is a problem.</summary>
    private static void AssertFindingsMatchHandshake(AttachRun run, TestApp app)
    {
        foreach (var (kind, expected) in app.Expected)
        {
            Assert.True(run.FindingsOf(kind).Count() == expected, $"{kind}: expected {expected}. {run.Summary()}");
        }

        Assert.DoesNotContain(MariaDbServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
    }

    private static string Evidence(JsonElement finding) => string.Join("\n", DumpReport.Strings(finding, "evidence"));

    /// <summary>
    /// The scenarios no other attach test covers (issue 9's Done-when: attach reports the handshake's exact counts per
    /// finding kind): the counts summed per kind equal the handshake's, and nothing else is a warning or an error.
    /// </summary>
    [Theory]
    [InlineData("mysql-reader-leak", "ard", "--count", "2")]
    [InlineData("mysql-pool-leak", "apd", "--count", "3", "--mode", "distinct")]
    [InlineData("mysql-pool-leak", "api", "--count", "3", "--mode", "identical")]
    [InlineData("mysql-sprawl", "asp", "--count", "6")]
    [InlineData("mysql-healthy", "ahe", "--workers", "2")]
    [InlineData("mysql-transaction-leak", "arc", "--count", "2", "--recover", "true")]
    [InlineData("mysqldata-leak", "amd")]
    public async Task Attach_reports_the_handshakes_exact_count_per_finding_kind(string scenario, string tag, params string[] arguments)
    {
        using var app = await StartAsync(scenario, tag, arguments);
        var run = await AttachAsync(app, 2);

        foreach (var (kind, expected) in app.Expected)
        {
            // As DumpReport.OccurrencesOf counts: the objects (summed finding counts), except a pool sprawl, one finding per driver.
            var reported = kind == "pool-sprawl" ? run.FindingsOf(kind).Count() : run.FindingsOf(kind).Sum(f => f.GetProperty("count").GetInt32());
            Assert.True(reported == expected, $"{scenario} {kind}: expected {expected}, reported {reported}. {run.Summary()}");
        }

        Assert.All(run.Problems, p => Assert.True(app.Expected.ContainsKey(DumpReport.Kind(p)), $"{scenario}: unexpected {DumpReport.Kind(p)}. {run.Summary()}"));
        Assert.Equal(run.Problems.Any() ? 3 : 0, run.Cli.ExitCode);
        Assert.DoesNotContain(MariaDbServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exhaustion_is_tied_to_the_leaked_readers_with_their_rate_and_time_to_exhaustion_from_the_driver_meter()
    {
        using var app = await StartAsync("mysql-exhaustion", "exh", "--max-pool", "10", "--timeout", "2", "--leak-interval-ms", "1000");

        // First a short window while the pool still fills: the meter's rate and when the pool will run out.
        var early = await AttachAsync(app, 5);
        var filling = Assert.Single(early.FindingsOf("leaked-reader"));
        Assert.Equal("error", DumpReport.Severity(filling));
        var rate = AttachRun.LeakRatePerMinute(filling);
        Assert.True(rate is >= 30 and <= 90, $"leak rate {rate}. {early.Summary()}");
        var pool = Assert.Single(early.HeapPools, p => DumpReport.IntOrNull(p, "max") == 10);
        Assert.Equal(filling.GetProperty("count").GetInt32(), pool.GetProperty("orphaned").GetInt32());
        Assert.Contains("busy ", Evidence(filling), StringComparison.Ordinal); // counters versus heap
        Assert.Matches("reaches its max of 10 in about|already at its max of 10", Evidence(filling));
        var samples = Assert.Single(early.Telemetry.GetProperty("pools").EnumerateArray()).GetProperty("samples").EnumerateArray().ToList();
        Assert.True(samples.Count >= 3, early.Summary());
        Assert.Equal(10, DumpReport.IntOrNull(samples[^1], "max"));

        // Then until callers time out: pool-exhaustion, blamed on the leak, with the driver's timeouts and exceptions.
        var run = await AttachAsync(app, 8);
        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        AssertFindingsMatchHandshake(run, app);
        var exhaustion = Assert.Single(run.FindingsOf("pool-exhaustion"));
        Assert.Equal("error", DumpReport.Severity(exhaustion));
        var evidence = Evidence(exhaustion);
        Assert.Contains("of max 10", evidence, StringComparison.Ordinal);
        Assert.Contains("leaked-reader", evidence, StringComparison.Ordinal);
        Assert.Contains("timeouts waiting for a connection", evidence, StringComparison.Ordinal);
        Assert.Contains("'pool exhausted' exception", evidence, StringComparison.Ordinal);
        var leaked = Assert.Single(run.FindingsOf("leaked-reader"));
        var heapPool = Assert.Single(run.HeapPools, p => DumpReport.IntOrNull(p, "max") == 10);
        Assert.Equal(leaked.GetProperty("count").GetInt32(), heapPool.GetProperty("orphaned").GetInt32());
        Assert.Contains(run.Telemetry.GetProperty("exceptions").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "MySqlConnector.MySqlException"
                 && e.GetProperty("message").GetString()!.Contains("All pooled connections are in use", StringComparison.Ordinal));
        var last = run.Telemetry.GetProperty("pools").EnumerateArray().Single().GetProperty("samples").EnumerateArray().Last();
        Assert.True(DumpReport.IntOrNull(last, "timeouts") >= 1, run.Summary());
    }

    [Fact]
    public async Task A_tiny_idle_timeout_under_bursts_is_churn_from_the_driver_meter_and_time_wait_sockets()
    {
        using var app = await StartAsync("mysql-churn-idle-timeout", "idl", "--burst", "8", "--pause-ms", "2500");

        var run = await AttachAsync(app, 9);

        AssertFindingsMatchHandshake(run, app);
        var churn = Assert.Single(run.FindingsOf("connection-churn"));
        Assert.True(churn.GetProperty("count").GetInt32() >= 8, run.Summary());
        var evidence = Evidence(churn);
        Assert.Contains("physical connections created", evidence, StringComparison.Ordinal);
        Assert.Contains("in TIME-WAIT", evidence, StringComparison.Ordinal);
        Assert.Contains("Connection Idle Timeout=1", churn.GetProperty("title").GetString() + evidence + churn.GetProperty("advice").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pooling_off_is_churn_seen_in_time_wait_sockets_to_the_server_without_any_pool_object()
    {
        using var app = await StartAsync("mysql-churn-unpooled", "unp", "--workers", "2", "--pause-ms", "5");

        var run = await AttachAsync(app, 6);

        AssertFindingsMatchHandshake(run, app);
        var churn = Assert.Single(run.FindingsOf("connection-churn"));
        Assert.Equal("MySqlConnector", DumpReport.StringOrNull(churn, "driver"));
        var text = churn.GetProperty("title").GetString() + "\n" + Evidence(churn);
        Assert.Contains($"127.0.0.1:{server.Port}", text, StringComparison.Ordinal);
        Assert.Contains("in TIME-WAIT", text, StringComparison.Ordinal);
        Assert.Contains("Pooling=false", text, StringComparison.Ordinal);
        Assert.True(churn.GetProperty("count").GetInt32() >= 20, run.Summary());
        Assert.Contains("Remove Pooling=false", churn.GetProperty("advice").GetString(), StringComparison.Ordinal);
        Assert.True(run.Cli.ExitCode == 3, run.Summary());
    }
}
