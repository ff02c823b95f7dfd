using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// <c>dbdoctor dump</c> on a heap dump of each Npgsql scenario, checked against the scenario's handshake and against
/// PostgreSQL's own view of the app's sessions (pg_stat_activity, read just before the dump).
/// </summary>
[Collection("postgres")]
public sealed class NpgsqlDumpTests(PostgresServer server)
{
    private const string MetricsRegistry = "static:Npgsql.MetricsReporter.Reporters";

    /// <summary>Unique per test run, so a cached dump and its observed sessions belong together.</summary>
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Dumps a scenario under its own application name, once <paramref name="settled"/> (given the LIKE pattern of the app's
    /// sessions) reads <paramref name="expected"/>; <see cref="ScenarioDump.Observed"/> holds the app's sessions.
    /// </summary>
    private Task<ScenarioDump> DumpAsync(string scenario, string tag, Func<string, int> settled, int expected, params string[] arguments)
    {
        var name = $"e2e-dump-{tag}-{RunId}";
        return DumpCache.GetAsync(scenario, async _ =>
        {
            var seen = await PostgresServer.WaitForAsync(() => settled(name + "%"), expected, Settle);
            Assert.True(seen == expected, $"{scenario}: the server shows {seen} sessions of {name}, expected {expected}: {string.Join("; ", server.Sessions(name + "%"))}");
            return (object)server.Sessions(name + "%");
        }, ["--pg", server.ConnectionString, "--app-name", name, .. arguments]);
    }

    private static IReadOnlyList<ServerSession> Sessions(ScenarioDump dump) => dump.ObservedAs<IReadOnlyList<ServerSession>>();

    /// <summary>Every object names a backend pid, and together they are exactly the server's sessions <paramref name="expected"/>.</summary>
    private static void AssertServerPids(IEnumerable<JsonElement> objects, IEnumerable<ServerSession> expected, DumpReport report)
    {
        var list = objects.ToList();
        Assert.NotEmpty(list);
        var pids = list.Select(o => DumpReport.IntOrNull(o, "serverPid")).ToList();
        Assert.True(pids.All(p => p is > 0), $"objects without serverPid: {string.Join(", ", list)}");
        Assert.Equal(expected.Select(s => s.Pid).Order(), pids.Select(p => p!.Value).Order());
        Assert.True(list.Count == pids.Distinct().Count(), $"two objects name one backend: {report.Summary()}");
    }

    private static void AssertRootPaths(IEnumerable<JsonElement> objects)
    {
        foreach (var item in objects)
        {
            Assert.True(DumpReport.Strings(item, "rootPath").Count > 0, $"no rootPath: {item}");
        }
    }

    [Fact]
    public async Task Transaction_leak_names_each_leaked_transaction_with_its_backend_and_sql()
    {
        var dump = await DumpAsync("npgsql-transaction-leak", "tx", app => server.CountSessions(app, "idle in transaction"), 4, "--count", "4");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(4, report.CountOf("leaked-transaction", "npgsql"));
        var objects = report.ObjectsOf("leaked-transaction").ToList();
        AssertServerPids(objects, Sessions(dump).Where(s => s.State == "idle in transaction"), report);
        AssertRootPaths(objects);
        Assert.All(objects, o => Assert.StartsWith("INSERT INTO dbdoctor_items", DumpReport.StringOrNull(o, "sql") ?? "", StringComparison.Ordinal));
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task Reader_leak_names_each_open_reader_with_its_backend_and_sql()
    {
        var dump = await DumpAsync("npgsql-reader-leak", "reader", app => server.CountSessionsWithQuery(app, "SELECT generate_series"), 3, "--count", "3");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var objects = report.ObjectsOf("leaked-reader").ToList();
        var readerSql = dump.Info.GetProperty("readerSql").GetString()!;
        AssertServerPids(objects, Sessions(dump).Where(s => s.Query.StartsWith(readerSql, StringComparison.Ordinal)), report);
        AssertRootPaths(objects);
        Assert.All(objects, o => Assert.Equal(readerSql, DumpReport.StringOrNull(o, "sql")));
    }

    [Fact]
    public async Task Connection_leak_names_each_orphaned_connection_with_its_backend()
    {
        var dump = await DumpAsync("npgsql-connection-leak", "conn", app => server.CountSessions(app, "idle"), 5, "--count", "5");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var objects = report.ObjectsOf("leaked-connection").ToList();
        AssertServerPids(objects, Sessions(dump).Where(s => s.Query.StartsWith("SELECT count(*) FROM pg_class", StringComparison.Ordinal)), report);
        AssertRootPaths(objects);
        Assert.All(objects, o => Assert.Equal("SELECT count(*) FROM pg_class", DumpReport.StringOrNull(o, "sql")));
        report.AssertPoolsAreConsistent();
        var main = Assert.Single(report.PoolingPools);
        Assert.Equal(5, DumpReport.IntOrNull(main, "busy"));
    }

    [Theory]
    [InlineData("distinct")]
    [InlineData("identical")]
    public async Task Pool_leak_names_each_dropped_data_source_kept_only_by_the_driver(string mode)
    {
        // Each tenant pool keeps one idle connection; the held data source one more.
        var dump = await DumpAsync("npgsql-pool-leak", "pool" + mode[0], app => server.CountSessions(app, "idle"), 4, "--count", "3", "--mode", mode);
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        report.AssertPoolsAreConsistent();
        var tenantPrefix = dump.Info.GetProperty("tenantApplicationNamePrefix").GetString()!;
        var tenantPools = report.PoolingPools.Where(p => DumpReport.StringOrNull(p, "name")!.Contains(tenantPrefix, StringComparison.Ordinal)).ToList();
        Assert.True(tenantPools.Count == 3, $"{tenantPools.Count} tenant pools: {string.Join("\n", report.Pools)}");
        foreach (var pool in tenantPools)
        {
            var retainedBy = DumpReport.Strings(pool, "retainedBy");
            Assert.True(retainedBy.Contains(MetricsRegistry) || retainedBy.Contains("timer"), pool.ToString());
            Assert.DoesNotContain("application", retainedBy);
            Assert.False(pool.GetProperty("disposed").GetBoolean(), pool.ToString());
        }

        var leakedAddresses = report.ObjectsOf("leaked-pool").Select(o => DumpReport.StringOrNull(o, "address")).Order().ToList();
        Assert.Equal(tenantPools.Select(p => DumpReport.StringOrNull(p, "address")).Order(), leakedAddresses);

        var held = Assert.Single(report.PoolingPools, p => !tenantPools.Contains(p));
        Assert.Contains("application", DumpReport.Strings(held, "retainedBy"));
    }

    [Fact]
    public async Task Healthy_app_has_no_problem_and_its_listener_is_a_held_connection_at_info()
    {
        var dump = await DumpAsync("npgsql-healthy", "healthy", app => server.CountSessionsWithQuery(app, "LISTEN"), 1, "--workers", "2");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(0, report.Cli.ExitCode);
        Assert.DoesNotContain(report.Findings, DumpReport.IsProblem);
        var held = Assert.Single(report.FindingsOf("held-connection"));
        Assert.Equal("info", DumpReport.Severity(held));
        var listener = Assert.Single(held.GetProperty("objects").EnumerateArray());
        Assert.Contains("NotificationListener", DumpReport.StringOrNull(listener, "holder") ?? "", StringComparison.Ordinal);
        var listenSession = Assert.Single(Sessions(dump), s => s.Query.StartsWith("LISTEN", StringComparison.Ordinal));
        Assert.Equal(listenSession.Pid, DumpReport.IntOrNull(listener, "serverPid"));

        report.AssertPoolsAreConsistent();
        var main = Assert.Single(report.PoolingPools);
        Assert.Contains("application", DumpReport.Strings(main, "retainedBy"));
    }
}
