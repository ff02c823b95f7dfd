using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>The server's view of one scenario's database, read just before its dump.</summary>
public sealed record MariaDbObservation(IReadOnlyList<MariaDbThread> Threads, IReadOnlyList<MariaDbTransaction> Transactions);

/// <summary>
/// <c>dbdoctor dump</c> on a heap dump of each MySqlConnector (and MySql.Data) scenario on the private MariaDB, checked
/// against the scenario's handshake and against the server's own view of the scenario's database
/// (information_schema.processlist and innodb_trx, read just before the dump).
/// </summary>
[Collection("mariadb")]
public sealed class MySqlDumpTests(MariaDbServer server)
{
    private const string AllPoolsRegistry = "static:MySqlConnector.Core.ConnectionPool.s_allPools";

    /// <summary>Unique per test run, so a cached dump and its observed threads belong together.</summary>
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    private static string Database(string tag) => $"e2e_{tag}_{RunId}";

    /// <summary>
    /// Dumps a scenario working in its own database once <paramref name="settled"/> (given the server's view) reads
    /// <paramref name="expected"/>; <see cref="ScenarioDump.Observed"/> holds that view.
    /// </summary>
    private Task<ScenarioDump> DumpAsync(
        string scenario, string tag, Func<MariaDbObservation, int> settled, int expected, string databasePattern, params string[] arguments) =>
        DumpAsync(null, scenario, tag, settled, expected, databasePattern, arguments);

    /// <summary>Like the overload above, of the test app built as <paramref name="cell"/> (null: the solution's own build).</summary>
    private Task<ScenarioDump> DumpAsync(
        TestAppCell? cell, string scenario, string tag, Func<MariaDbObservation, int> settled, int expected, string databasePattern, params string[] arguments)
    {
        var database = Database(tag);
        databasePattern = databasePattern.Replace("{db}", database, StringComparison.Ordinal);
        async Task<object> ObserveSettled(TestApp _)
        {
            var seen = await PostgresServer.WaitForAsync(() => settled(Observe(databasePattern)), expected, Settle);
            var observation = Observe(databasePattern);
            Assert.True(seen == expected, $"{scenario}: the server shows {seen}, expected {expected}: {string.Join("; ", observation.Threads)}");
            return observation;
        }

        string[] all = ["--mysql", server.ConnectionStringFor(database), .. arguments];
        return cell is null ? DumpCache.GetAsync(scenario, ObserveSettled, all) : DumpCache.GetAsync(cell, scenario, ObserveSettled, all);
    }

    private MariaDbObservation Observe(string databasePattern) => new(server.Threads(databasePattern), server.Transactions(databasePattern));

    private static MariaDbObservation Server(ScenarioDump dump) => dump.ObservedAs<MariaDbObservation>();

    /// <summary>Every object names a server thread, and together they are exactly <paramref name="expected"/>.</summary>
    private static void AssertThreadIds(IEnumerable<JsonElement> objects, IEnumerable<long> expected, DumpReport report)
    {
        var list = objects.ToList();
        Assert.NotEmpty(list);
        var ids = list.Select(o => DumpReport.IntOrNull(o, "serverPid")).ToList();
        Assert.True(ids.All(p => p is > 0), $"objects without serverPid: {string.Join(", ", list)}");
        Assert.Equal(expected.Order(), ids.Select(p => (long)p!.Value).Order());
        Assert.True(list.Count == ids.Distinct().Count(), $"two objects name one thread: {report.Summary()}");
    }

    private static void AssertNoPassword(DumpReport report) =>
        Assert.DoesNotContain(MariaDbServer.Password, report.Cli.AllOutput, StringComparison.Ordinal);

    [Fact]
    public async Task Transaction_leak_names_each_leaked_session_with_its_server_thread_and_open_innodb_transaction()
    {
        var dump = await DumpAsync("mysql-transaction-leak", "tx", s => s.Transactions.Count, 3, "{db}", "--count", "3");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var objects = report.ObjectsOf("leaked-transaction", "mysqlconnector").ToList();
        var transactions = Server(dump).Transactions;
        Assert.All(transactions, t => Assert.Equal(1, t.RowsLocked));
        AssertThreadIds(objects, transactions.Select(t => t.ThreadId), report);
        AssertThreadIds(objects, Server(dump).Threads.Select(t => t.Id), report);
        Assert.All(objects, o => Assert.Contains("owner collected", DumpReport.StringOrNull(o, "state") ?? "", StringComparison.Ordinal));
        Assert.All(objects, o => Assert.True(DumpReport.Strings(o, "rootPath").Count > 0, o.ToString()));
        report.AssertPoolsAreConsistent();
        var main = Assert.Single(report.PoolingPools);
        Assert.Equal(3, DumpReport.IntOrNull(main, "busy"));
        AssertNoPassword(report);
    }

    [Fact]
    public async Task Transactions_the_driver_recovered_into_its_idle_list_are_still_leaked_and_counted_once()
    {
        // Four leaks in a pool of four; a fifth request makes the driver recover all four, reuses (and resets) one.
        var dump = await DumpAsync("mysql-transaction-leak", "recovered", s => s.Transactions.Count, 3, "{db}", "--count", "4", "--recover", "true");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var objects = report.ObjectsOf("leaked-transaction", "mysqlconnector").ToList();
        AssertThreadIds(objects, Server(dump).Transactions.Select(t => t.ThreadId), report);
        Assert.All(objects, o => Assert.Contains("recovered", DumpReport.StringOrNull(o, "state") ?? "", StringComparison.Ordinal));
        var finding = Assert.Single(report.FindingsOf("leaked-transaction"));
        Assert.Contains(DumpReport.Strings(finding, "evidence"), e => e.Contains("taken back by the driver", StringComparison.Ordinal));

        // The pool counts every session idle: none is checked out, so none is orphaned twice.
        var main = Assert.Single(report.PoolingPools);
        Assert.Equal(0, DumpReport.IntOrNull(main, "busy"));
        Assert.Equal(4, DumpReport.IntOrNull(main, "idle"));
        Assert.Equal(4, Server(dump).Threads.Count);
        AssertNoPassword(report);
    }

    [Fact]
    public async Task Reader_leak_names_each_open_reader_with_its_server_thread_and_sql()
    {
        var dump = await DumpAsync("mysql-reader-leak", "reader", s => s.Threads.Count(t => t.Command == "Query"), 2, "{db}", "--count", "2");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var readerSql = dump.Info.GetProperty("readerSql").GetString()!;
        var objects = report.ObjectsOf("leaked-reader", "mysqlconnector").ToList();
        AssertThreadIds(objects, Server(dump).Threads.Where(t => t.Info.StartsWith(readerSql, StringComparison.Ordinal)).Select(t => t.Id), report);
        Assert.All(objects, o => Assert.Equal(readerSql, DumpReport.StringOrNull(o, "sql")));
        report.AssertPoolsAreConsistent();
        AssertNoPassword(report);
    }

    [Fact]
    public async Task Connection_leak_names_each_orphaned_session_with_its_server_thread()
    {
        var dump = await DumpAsync("mysql-connection-leak", "conn", s => s.Threads.Count, 3, "{db}", "--count", "3");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var objects = report.ObjectsOf("leaked-connection", "mysqlconnector").ToList();
        AssertThreadIds(objects, Server(dump).Threads.Select(t => t.Id), report);
        Assert.Empty(Server(dump).Transactions);
        report.AssertPoolsAreConsistent();
        AssertNoPassword(report);
    }

    [Theory]
    [InlineData("distinct")]
    [InlineData("identical")]
    public async Task Pool_leak_finds_each_dropped_data_sources_pool_kept_by_the_driver(string mode)
    {
        // Each tenant pool keeps one idle session; the held data source one more.
        var dump = await DumpAsync("mysql-pool-leak", "pool" + mode[0], s => s.Threads.Count, 4, "{db}", "--count", "3", "--mode", mode);
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        report.AssertPoolsAreConsistent();
        var leaked = report.ObjectsOf("leaked-pool", "mysqlconnector").Select(o => DumpReport.StringOrNull(o, "address")).ToHashSet();
        var tenantPools = report.PoolingPools.Where(p => leaked.Contains(DumpReport.StringOrNull(p, "address"))).ToList();
        Assert.Equal(3, tenantPools.Count);
        foreach (var pool in tenantPools)
        {
            var retainedBy = DumpReport.Strings(pool, "retainedBy");
            Assert.Contains(AllPoolsRegistry, retainedBy);
            Assert.Contains("timer", retainedBy);
            Assert.DoesNotContain("application", retainedBy);
            Assert.Equal(1, DumpReport.IntOrNull(pool, "idle"));
        }

        var held = Assert.Single(report.PoolingPools, p => !tenantPools.Contains(p));
        Assert.Contains("application", DumpReport.Strings(held, "retainedBy"));
        AssertNoPassword(report);
    }

    [Fact]
    public async Task Per_tenant_connection_strings_are_a_sprawl_of_driver_pools_counted_once_each()
    {
        var dump = await DumpAsync("mysql-sprawl", "sprawl", s => s.Threads.Count, 6, "{db}_tenant_%", "--count", "6");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var sprawl = Assert.Single(report.FindingsOf("pool-sprawl", "mysqlconnector"));
        // s_pools stores each pool under two keys (raw and normalised connection string): pools, not keys, are counted.
        Assert.Equal(6, sprawl.GetProperty("count").GetInt32());
        Assert.Contains(DumpReport.Strings(sprawl, "evidence"), e => e.Contains("Database", StringComparison.Ordinal));
        Assert.Equal(6, report.PoolingPools.Count(p => p.GetProperty("driverManaged").GetBoolean()));
        AssertNoPassword(report);
    }

    [Fact]
    public async Task Healthy_app_has_no_problem_and_its_lock_holder_is_a_held_connection()
    {
        var dump = await DumpAsync("mysql-healthy", "healthy", s => s.Threads.Count > 0 ? 1 : 0, 1, "{db}", "--workers", "2");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(0, report.Cli.ExitCode);
        Assert.DoesNotContain(report.Findings, DumpReport.IsProblem);
        var held = Assert.Single(report.FindingsOf("held-connection"));
        var holder = Assert.Single(held.GetProperty("objects").EnumerateArray());
        Assert.Contains("LockHolder", DumpReport.StringOrNull(holder, "holder") ?? "", StringComparison.Ordinal);
        var threadId = dump.Info.GetProperty("lockHolderThreadId").GetInt64();
        Assert.Equal(threadId, (long?)DumpReport.IntOrNull(holder, "serverPid"));
        Assert.Contains(Server(dump).Threads, t => t.Id == threadId);
        report.AssertPoolsAreConsistent();
        AssertNoPassword(report);
    }

    [Fact]
    public async Task MySql_Data_objects_are_found_and_counted_by_the_generic_fallback()
    {
        var dump = await DumpAsync("mysqldata-leak", "mysqldata", s => s.Threads.Count > 0 ? 1 : 0, 1, "{db}");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var finding = Assert.Single(report.FindingsOf("unknown-driver-objects", "MySql.Data"));
        var objects = finding.GetProperty("objects").EnumerateArray().ToList();
        foreach (var kind in new[] { "connections", "readers", "transactions" })
        {
            var expected = dump.Info.GetProperty(kind);
            var singular = kind.TrimEnd('s');
            var evidence = $"{expected.GetProperty("held").GetInt32() + expected.GetProperty("orphaned").GetInt32()} {(expected.GetProperty("held").GetInt32() + expected.GetProperty("orphaned").GetInt32() == 1 ? singular : kind)}: "
                           + $"{expected.GetProperty("held").GetInt32()} held by application code, {expected.GetProperty("orphaned").GetInt32()} orphaned";
            Assert.Contains(evidence, DumpReport.Strings(finding, "evidence"));
        }

        Assert.All(objects, o => Assert.StartsWith("MySql.Data.MySqlClient.", DumpReport.StringOrNull(o, "type"), StringComparison.Ordinal));
        AssertNoPassword(report);
    }

    /// <summary>MySqlConnector 2.4.0, the older of the two served versions: the same scenarios, the same exact counts.</summary>
    private static readonly TestAppCell MySqlConnector24 = new(TestAppCell.CurrentRuntime, MySqlConnector: "2.4.0");

    private static void AssertReadWithVerifiedKnowledge(DumpReport report, string version)
    {
        var driver = Assert.Single(report.Root.GetProperty("drivers").EnumerateArray(), d => DumpReport.StringOrNull(d, "name") == "MySqlConnector");
        Assert.StartsWith(version, DumpReport.StringOrNull(driver, "version"), StringComparison.Ordinal);
        Assert.DoesNotContain(DumpReport.Strings(report.Root, "warnings"),
            w => w.Contains("not found on", StringComparison.Ordinal) || w.Contains("verified for", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_MySqlConnector_2_4_leaked_transactions_readers_and_recovered_sessions_are_counted_exactly()
    {
        var transactions = await DumpAsync(MySqlConnector24, "mysql-transaction-leak", "tx24", s => s.Transactions.Count, 3, "{db}", "--count", "3");
        var report = await DumpReport.OfAsync(transactions);
        report.AssertMatchesHandshake();
        AssertReadWithVerifiedKnowledge(report, "2.4.0");
        var objects = report.ObjectsOf("leaked-transaction", "mysqlconnector").ToList();
        AssertThreadIds(objects, Server(transactions).Transactions.Select(t => t.ThreadId), report);
        Assert.All(objects, o => Assert.Contains("owner collected", DumpReport.StringOrNull(o, "state") ?? "", StringComparison.Ordinal));
        report.AssertPoolsAreConsistent();
        Assert.Equal(3, DumpReport.IntOrNull(Assert.Single(report.PoolingPools), "busy"));
        AssertNoPassword(report);

        var recovered = await DumpAsync(MySqlConnector24, "mysql-transaction-leak", "rec24", s => s.Transactions.Count, 3, "{db}", "--count", "4", "--recover", "true");
        report = await DumpReport.OfAsync(recovered);
        report.AssertMatchesHandshake();
        AssertReadWithVerifiedKnowledge(report, "2.4.0");
        objects = report.ObjectsOf("leaked-transaction", "mysqlconnector").ToList();
        AssertThreadIds(objects, Server(recovered).Transactions.Select(t => t.ThreadId), report);
        Assert.All(objects, o => Assert.Contains("recovered", DumpReport.StringOrNull(o, "state") ?? "", StringComparison.Ordinal));
        var pool = Assert.Single(report.PoolingPools);
        Assert.Equal(0, DumpReport.IntOrNull(pool, "busy"));
        Assert.Equal(4, DumpReport.IntOrNull(pool, "idle"));

        var readers = await DumpAsync(MySqlConnector24, "mysql-reader-leak", "rd24", s => s.Threads.Count(t => t.Command == "Query"), 2, "{db}", "--count", "2");
        report = await DumpReport.OfAsync(readers);
        report.AssertMatchesHandshake();
        AssertReadWithVerifiedKnowledge(report, "2.4.0");
        var readerSql = readers.Info.GetProperty("readerSql").GetString()!;
        AssertThreadIds(report.ObjectsOf("leaked-reader", "mysqlconnector"),
            Server(readers).Threads.Where(t => t.Info.StartsWith(readerSql, StringComparison.Ordinal)).Select(t => t.Id), report);
        // 2.4 keeps a command's SQL in a plain field (m_commandText), 2.6 in an auto-property: the family knows which.
        Assert.All(report.ObjectsOf("leaked-reader", "mysqlconnector"), o => Assert.Equal(readerSql, DumpReport.StringOrNull(o, "sql")));
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task On_MySqlConnector_2_4_dropped_data_sources_pools_are_leaked_pools_kept_by_the_reaper()
    {
        var dump = await DumpAsync(MySqlConnector24, "mysql-pool-leak", "pool24", s => s.Threads.Count, 4, "{db}", "--count", "3", "--mode", "distinct");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        AssertReadWithVerifiedKnowledge(report, "2.4.0");
        report.AssertPoolsAreConsistent();
        var leaked = report.ObjectsOf("leaked-pool", "mysqlconnector").Select(o => DumpReport.StringOrNull(o, "address")).ToHashSet();
        var tenantPools = report.PoolingPools.Where(p => leaked.Contains(DumpReport.StringOrNull(p, "address"))).ToList();
        Assert.Equal(3, tenantPools.Count);
        Assert.All(tenantPools, p => Assert.Contains("timer", DumpReport.Strings(p, "retainedBy")));
        AssertNoPassword(report);
    }
}
