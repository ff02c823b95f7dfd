using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd;

/// <summary>What `dbdoctor attach` reports for a finding kind: the fields the churn and stale tests check.</summary>
internal sealed record ReportedFinding(string Kind, string Severity, int Count, string Title, IReadOnlyList<string> Evidence, string Advice)
{
    public static IReadOnlyList<ReportedFinding> OfKind(CliResult result, string kind)
    {
        using var report = result.ParseStdoutJson();
        return report.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() == kind)
            .Select(f => new ReportedFinding(
                kind,
                f.GetProperty("severity").GetString()!,
                f.GetProperty("count").GetInt32(),
                f.GetProperty("title").GetString()!,
                f.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()!).ToList(),
                f.GetProperty("advice").GetString()!))
            .ToList();
    }

    public string AllText => string.Join("\n", [Title, .. Evidence, Advice]);
}

/// <summary>
/// Connection churn from a live process: pooling off (seen only in the OS socket table) and a pool that forgets its
/// connections between bursts (seen in the pool metrics), with PostgreSQL's own session counter as ground truth.
/// </summary>
[Collection("postgres")]
public sealed class ChurnTests(PostgresServer server)
{
    private static string UniqueApplicationName(string scenario) => $"e2e-{scenario}-{Guid.NewGuid():N}"[..30];

    private Task<TestApp> StartAsync(string scenario, params string[] arguments) =>
        TestApp.StartAsync(scenario, ["--pg", server.ConnectionString, "--app-name", UniqueApplicationName(scenario), .. arguments]);

    /// <summary>Sessions PostgreSQL has started for the database since statistics began (pg_stat_database.sessions, PG 14+).</summary>
    private long SessionsStarted() =>
        server.Scalar<long>("SELECT sessions FROM pg_stat_database WHERE datname = @db", ("db", PostgresServer.DatabaseName));

    private async Task<double> SessionsPerSecondAsync(TimeSpan over)
    {
        var before = SessionsStarted();
        await Task.Delay(over);
        return (SessionsStarted() - before) / over.TotalSeconds;
    }

    private static Task<CliResult> AttachAsync(TestApp app, int seconds, params string[] extra) =>
        DbDoctorCli.RunAsync(["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--format", "json", "--duration", seconds.ToString(CultureInfo.InvariantCulture), .. extra]);

    [Fact]
    public async Task Pooling_off_is_reported_as_churn_from_time_wait_sockets_with_its_rate()
    {
        using var app = await StartAsync("npgsql-churn-unpooled", "--workers", "2");
        Assert.Equal(1, app.ExpectedCount("connection-churn"));

        // Ground truth: every query starts a backend. Measured here: ~100-120 sessions per second on 2 cores.
        var sessionsPerSecond = await SessionsPerSecondAsync(TimeSpan.FromSeconds(3));
        Assert.True(sessionsPerSecond >= 20, $"the scenario should open many sessions per second, PostgreSQL saw {sessionsPerSecond:0.0}/s");

        var result = await AttachAsync(app, 6);

        var finding = Assert.Single(ReportedFinding.OfKind(result, "connection-churn"));
        Assert.Equal("warning", finding.Severity);
        Assert.True(finding.Count >= 200, $"expected at least 200 recently closed connections, got {finding.Count}: {finding.AllText}");
        Assert.Contains("Pooling=false", finding.Title, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{server.Port}", finding.AllText, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("in TIME-WAIT", StringComparison.Ordinal));
        Assert.StartsWith("Remove Pooling=false", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, result.AllOutput, StringComparison.Ordinal);
        Assert.Empty(ReportedFinding.OfKind(result, "stale-connection"));
    }

    [Fact]
    public async Task Short_idle_lifetime_under_bursts_is_reported_as_churn_with_the_creation_rate_and_the_setting()
    {
        using var app = await StartAsync("npgsql-churn-idle-lifetime", "--burst", "8", "--pause-ms", "2500");
        Assert.Equal(1, app.ExpectedCount("connection-churn"));

        // Ground truth: each burst reopens its 8 connections after the 1 s idle lifetime pruned them.
        var sessionsPerSecond = await SessionsPerSecondAsync(TimeSpan.FromSeconds(6));
        Assert.True(sessionsPerSecond >= 1.5, $"each burst should reopen its connections, PostgreSQL saw {sessionsPerSecond:0.0}/s");

        var result = await AttachAsync(app, 10);

        var finding = Assert.Single(ReportedFinding.OfKind(result, "connection-churn"));
        Assert.True(finding.Count >= 8, $"expected at least one burst of 8 created connections, got {finding.Count}: {finding.AllText}");
        Assert.Contains("Connection Idle Lifetime=1, Minimum Pool Size=0", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("physical connections created", StringComparison.Ordinal) && e.Contains("operations per second", StringComparison.Ordinal));
        Assert.Contains("Raise Connection Idle Lifetime from 1", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_healthy_service_shows_neither_churn_nor_stale_connections()
    {
        using var app = await StartAsync("npgsql-healthy");

        var result = await AttachAsync(app, 6, "--server", server.ConnectionString);

        Assert.True(result.ExitCode is 0 or 3, result.ToString());
        Assert.Empty(ReportedFinding.OfKind(result, "connection-churn"));
        Assert.Empty(ReportedFinding.OfKind(result, "stale-connection"));
        Assert.DoesNotContain(PostgresServer.Password, result.AllOutput, StringComparison.Ordinal);
    }
}

/// <summary>A private PostgreSQL that closes sessions idle for 2 s (idle_session_timeout), for the stale-connection tests.</summary>
public sealed class IdleTimeoutPostgres : IDisposable
{
    public const string Timeout = "2s";

    public PostgresServer Server { get; } = PostgresServer.Start(new Dictionary<string, string> { ["idle_session_timeout"] = Timeout });

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// Stale connections from a live process: a pool keeping idle connections for minutes in front of a server that closes
/// them after 2 s, with requests after 4 s pauses. The server's log is the ground truth.
/// </summary>
public sealed class StaleConnectionTests(IdleTimeoutPostgres fixture) : IClassFixture<IdleTimeoutPostgres>
{
    private PostgresServer Server => fixture.Server;

    private async Task<TestApp> StartStaleAppAsync()
    {
        var app = await TestApp.StartAsync("npgsql-stale", "--pg", Server.ConnectionString, "--pause-ms", "4000", "--burst", "3", "--min-pool", "2");
        Assert.Equal(1, app.ExpectedCount("stale-connection"));
        Assert.Contains("57P05", app.InfoString("firstFailure"), StringComparison.Ordinal);
        Assert.Contains("terminating connection due to idle-session timeout", Server.ReadLog(), StringComparison.Ordinal);
        return app;
    }

    private static Task<CliResult> AttachAsync(TestApp app, params string[] extra) =>
        DbDoctorCli.RunAsync(["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--format", "json", "--duration", "10", .. extra]);

    [Fact]
    public async Task Stale_connections_are_reported_with_the_failures_and_the_timeout_the_user_gave()
    {
        using var app = await StartStaleAppAsync();

        var result = await AttachAsync(app, "--server-idle-timeout", IdleTimeoutPostgres.Timeout);

        var finding = Assert.Single(ReportedFinding.OfKind(result, "stale-connection"));
        Assert.Equal("error", finding.Severity);
        Assert.True(finding.Count >= 1, finding.AllText);
        Assert.Contains("failed because the server had closed the session", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("57P05", StringComparison.Ordinal) || e.Contains("reading from stream", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("Server idle timeout: 2 s", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("Minimum Pool Size=2", StringComparison.Ordinal) && e.Contains("never pruned", StringComparison.Ordinal));
        Assert.Contains("Connection Idle Lifetime=1", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("Minimum Pool Size=0", finding.Advice, StringComparison.Ordinal);
        Assert.Empty(ReportedFinding.OfKind(result, "connection-churn"));
    }

    [Fact]
    public async Task The_server_timeout_is_asked_from_the_server_and_its_password_never_printed()
    {
        using var app = await StartStaleAppAsync();

        var result = await AttachAsync(app, "--server", Server.ConnectionString);

        var finding = Assert.Single(ReportedFinding.OfKind(result, "stale-connection"));
        Assert.Contains(finding.Evidence, e => e.StartsWith("Server idle timeout: 2 s (SHOW idle_session_timeout on Host=127.0.0.1", StringComparison.Ordinal));
        Assert.DoesNotContain(PostgresServer.Password, result.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_server_timeout_the_finding_says_what_to_check()
    {
        using var app = await StartStaleAppAsync();

        var result = await AttachAsync(app);

        var finding = Assert.Single(ReportedFinding.OfKind(result, "stale-connection"));
        Assert.Contains(finding.Evidence, e => e.Contains("--server-idle-timeout", StringComparison.Ordinal));
        Assert.Contains("SHOW idle_session_timeout", finding.Advice, StringComparison.Ordinal);
    }
}
