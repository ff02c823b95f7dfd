using DbDoctor.Diagnosis;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

public class PoolRuleTests
{
    private static readonly string[] DriverRoots = ["timer", "static:Npgsql.MetricsReporter.Reporters"];

    [Fact]
    public void Dropped_undisposed_data_sources_kept_by_driver_roots_are_leaked_pools()
    {
        var pools = Enumerable.Range(0, 30).Select(i => NpgsqlPool(0x1000 + ((ulong)i * 0x100), idle: i < 3 ? 1 : 0, retainedBy: i < 3 ? DriverRoots : ["static:Npgsql.MetricsReporter.Reporters"])).ToList();

        var finding = Single(Diagnose(Heap(pools)), FindingKinds.LeakedPool);

        Assert.Equal(30, finding.Count);
        Assert.Equal(Severities.Error, finding.Severity);
        Assert.Contains("Kept alive by: 30 static:Npgsql.MetricsReporter.Reporters, 3 timer", finding.Evidence);
        Assert.Contains(finding.Evidence, e => e.StartsWith("Together they keep 3 connections open", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("All 30 share one connection string", StringComparison.Ordinal));
        Assert.Contains("NpgsqlDataSource", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Leaked_pools_without_open_connections_are_a_warning_and_distinct_strings_are_counted()
    {
        var pools = Enumerable.Range(0, 4).Select(i => NpgsqlPool(0x1000 + (ulong)i, $"Host=db;Database=t{i}", retainedBy: ["static:Npgsql.MetricsReporter.Reporters"])).ToList();

        var finding = Single(Diagnose(Heap(pools)), FindingKinds.LeakedPool);

        Assert.Equal(Severities.Warning, finding.Severity);
        Assert.Equal(4, finding.Count);
        Assert.Contains("4 distinct connection strings among 4 pools", finding.Evidence);
    }

    [Fact]
    public void Disposed_application_retained_and_driver_managed_pools_are_not_leaked()
    {
        var pools = new List<PoolFact>
        {
            NpgsqlPool(0x1, disposed: true, retainedBy: DriverRoots),
            NpgsqlPool(0x2, retainedBy: [RetainerKinds.Application, "timer"], holder: "Program.<DataSource>"),
            NpgsqlPool(0x3, driverManaged: true, retainedBy: ["static:Npgsql.PoolManager.<Pools>k__BackingField"]),
        };

        Assert.DoesNotContain(Diagnose(Heap(pools)).Findings, f => f.Kind == FindingKinds.LeakedPool);
    }

    [Fact]
    public void Many_driver_managed_pools_differing_in_a_tenant_key_are_pool_sprawl()
    {
        var pools = Enumerable.Range(1, 6).Select(i => NpgsqlPool((ulong)i * 0x10, $"Host=db;Database=tenant_{i};Username=app;Application Name=svc-{i}", busy: 1, idle: 1, driverManaged: true, retainedBy: ["static:Npgsql.PoolManager.<Pools>k__BackingField"])).ToList();

        var finding = Single(Diagnose(Heap(pools)), FindingKinds.PoolSprawl);

        Assert.Equal(Severities.Warning, finding.Severity);
        Assert.Equal(6, finding.Count);
        Assert.Contains("6 pools of Npgsql whose connection strings differ only in Application Name, Database", finding.Evidence);
        Assert.Contains(finding.Evidence, e => e.StartsWith("Together they hold 12 open connections (6 busy)", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("Database: tenant_1, tenant_2", StringComparison.Ordinal));
    }

    [Fact]
    public void Sqlite_pools_per_tenant_file_are_pool_sprawl()
    {
        var pools = Enumerable.Range(1, 5).Select(i => new PoolFact
        {
            Driver = Sqlite,
            Address = (ulong)i,
            TypeName = "Microsoft.Data.Sqlite.SqliteConnectionPool",
            Name = $"Data Source=tenant-{i}.db;Cache=Shared",
            ConnectionString = $"Data Source=tenant-{i}.db;Cache=Shared",
            DriverManaged = true,
            Total = 1,
            Idle = 1,
            Busy = 0,
            RetainedBy = ["timer"],
        }).ToList();

        var finding = Single(Diagnose(Heap(pools)), FindingKinds.PoolSprawl);

        Assert.Equal(5, finding.Count);
        Assert.Contains("Data Source", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Fewer_pools_than_the_threshold_or_too_many_varying_keys_are_not_sprawl()
    {
        var four = Enumerable.Range(1, 4).Select(i => NpgsqlPool((ulong)i, $"Host=db;Database=t{i}", driverManaged: true)).ToList();
        var unrelated = Enumerable.Range(1, 6).Select(i => NpgsqlPool(0x100 + (ulong)i, $"Host=h{i};Database=d{i};Username=u{i};Timeout={i}", driverManaged: true)).ToList();

        Assert.DoesNotContain(Diagnose(Heap(four)).Findings, f => f.Kind == FindingKinds.PoolSprawl);
        Assert.DoesNotContain(Diagnose(Heap(unrelated)).Findings, f => f.Kind == FindingKinds.PoolSprawl);
        Assert.Contains(Diagnose(Heap(four), options: new DiagnosisOptions { PoolSprawlMinPools = 4 }).Findings, f => f.Kind == FindingKinds.PoolSprawl);
    }

    [Fact]
    public void Exhausted_pool_in_the_heap_names_its_cause()
    {
        const ulong pool = 0x5000;
        var connections = Range(10, 0x10_0000, a => Connector(a, pool, transaction: true)).ToList();

        var report = Diagnose(Heap([NpgsqlPool(pool, busy: 10)], connections));

        var exhaustion = Single(report, FindingKinds.PoolExhaustion);
        Assert.Equal(Severities.Error, exhaustion.Severity);
        Assert.Equal(10, exhaustion.Count);
        Assert.Contains("Heap: 10 of 10 busy: 10 orphaned (10 leaked-transaction), 0 held", exhaustion.Evidence);
        Assert.Contains("10 of 10 connections busy", exhaustion.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Exhaustion_cause_splits_orphaned_kinds_and_held()
    {
        const ulong pool = 0x5000;
        var heap = Heap([NpgsqlPool(pool, max: 4, busy: 4)],
        [
            Connector(0x1, pool, transaction: true),
            Connector(0x2, pool, transaction: true),
            Connector(0x3, pool),
            Connector(0x4, pool, held: true, holder: "Listener"),
        ]);

        var exhaustion = Single(Diagnose(heap), FindingKinds.PoolExhaustion);

        Assert.Contains("Heap: 4 of 4 busy: 3 orphaned (2 leaked-transaction, 1 leaked-connection), 1 held", exhaustion.Evidence);
    }

    [Fact]
    public void Pool_below_max_or_without_pooling_is_not_exhausted()
    {
        var belowMax = NpgsqlPool(0x1, busy: 9);
        var unpooled = NpgsqlPool(0x2, busy: 10) with { Pooling = false };

        Assert.DoesNotContain(Diagnose(Heap([belowMax, unpooled])).Findings, f => f.Kind == FindingKinds.PoolExhaustion);
    }
}
