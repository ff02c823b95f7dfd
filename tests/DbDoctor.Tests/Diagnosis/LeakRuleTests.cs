using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

public class LeakRuleTests
{
    private const ulong Pool = 0x7f00_0000_1000;

    [Fact]
    public void Orphaned_connections_in_open_transactions_are_leaked_transactions_with_pids_and_sql()
    {
        var connections = Range(5, 0x7f00_0010_0000, a => Connector(a, Pool, transaction: true, serverPid: 1000 + (int)(a >> 12 & 0xff), sql: "UPDATE orders SET paid = true WHERE id = $1")).ToList();
        var heap = Heap([NpgsqlPool(Pool, busy: 5, idle: 1)], connections);

        var report = Diagnose(heap);

        var finding = Single(report, FindingKinds.LeakedTransaction);
        Assert.Equal(Severities.Error, finding.Severity);
        Assert.Equal(5, finding.Count);
        Assert.Equal(Npgsql, finding.Driver);
        Assert.StartsWith("5 leaked transactions", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("5 'idle in transaction'", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("Backend pids (pg_stat_activity.pid): ", StringComparison.Ordinal) && e.Contains("1000", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("'UPDATE orders SET paid = true WHERE id = $1' ×5", StringComparison.Ordinal));
        Assert.Contains("idle_in_transaction_session_timeout", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("await using", finding.Advice, StringComparison.Ordinal);
        Assert.Equal(5, finding.Objects.Count);
        Assert.All(finding.Objects, o => Assert.StartsWith("0x7f00001", o.Address, StringComparison.Ordinal));
        Assert.Equal("Ready, in transaction", finding.Objects[0].State);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKinds.LeakedConnection or FindingKinds.LeakedReader or FindingKinds.HeldConnection);
    }

    [Fact]
    public void Orphaned_open_reader_without_transaction_is_a_leaked_reader()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 3)],
        [
            Connector(0x10, Pool, reader: true, sql: "SELECT * FROM big"),
            Connector(0x20, Pool, reader: true),
            Connector(0x30, Pool, reader: true, transaction: true),
        ]);

        var report = Diagnose(heap);

        var reader = Single(report, FindingKinds.LeakedReader);
        Assert.Equal(2, reader.Count);
        Assert.Contains("CommandBehavior.CloseConnection", reader.Advice, StringComparison.Ordinal);
        Assert.Equal(1, Single(report, FindingKinds.LeakedTransaction).Count);
    }

    [Fact]
    public void Orphaned_connection_without_transaction_or_reader_is_a_leaked_connection()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 4)], Range(4, 0x1000, a => Connector(a, Pool)).ToList());

        var finding = Single(Diagnose(heap), FindingKinds.LeakedConnection);

        Assert.Equal(4, finding.Count);
        Assert.Equal(Severities.Error, finding.Severity);
        Assert.Equal("Host=127.0.0.1;Port=5432;Database=shop;Username=app;Maximum Pool Size=10", finding.Pool);
    }

    [Fact]
    public void Held_connections_are_info_not_leaks_and_name_their_holder_and_open_transaction()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 2)],
        [
            Connector(0x10, Pool, held: true, holder: "Worker.ListenLoop"),
            Connector(0x20, Pool, held: true, transaction: true, holder: "ReportJob.Run"),
        ]);

        var report = Diagnose(heap);

        var held = Single(report, FindingKinds.HeldConnection);
        Assert.Equal(Severities.Info, held.Severity);
        Assert.Equal(2, held.Count);
        Assert.Contains("Worker.ListenLoop", held.Title, StringComparison.Ordinal);
        Assert.Contains(held.Evidence, e => e.StartsWith("1 of them sits in an open transaction (1 ReportJob.Run)", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Findings, f => f.Severity != Severities.Info);
    }

    [Fact]
    public void Held_connection_with_a_command_in_flight_is_ordinary_use_not_a_held_connection()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 2)],
        [
            Connector(0x10, Pool, held: true, holder: "Worker.ListenLoop"),
            Connector(0x20, Pool, held: true, holder: "static System.Threading.TimerQueue.<Instances>k__BackingField") with { InFlight = true, State = "Executing" },
        ]);

        var report = Diagnose(heap);

        var held = Single(report, FindingKinds.HeldConnection);
        Assert.Equal(1, held.Count);
        Assert.Equal("0x10", held.Objects.Single().Address);
        Assert.DoesNotContain(report.Findings, f => f.Severity != Severities.Info);
    }

    [Fact]
    public void Idle_connections_are_not_reported()
    {
        var heap = Heap([NpgsqlPool(Pool, idle: 3)], Range(3, 0x1000, a => Connector(a, Pool, checkedOut: false)).ToList());

        Assert.Empty(Diagnose(heap).Findings);
    }

    [Fact]
    public void Leaks_in_two_pools_give_one_finding_per_pool()
    {
        const ulong other = 0x9000;
        var heap = Heap(
            [NpgsqlPool(Pool, busy: 2), NpgsqlPool(other, "Host=127.0.0.1;Database=audit;Username=app", busy: 1)],
            [Connector(0x10, Pool), Connector(0x20, Pool), Connector(0x30, other)]);

        var findings = Diagnose(heap).Findings.Where(f => f.Kind == FindingKinds.LeakedConnection).ToList();

        Assert.Equal([2, 1], findings.Select(f => f.Count));
        Assert.Contains("Database=audit", findings[1].Pool, StringComparison.Ordinal);
    }

    [Fact]
    public void Pool_report_counts_orphaned_and_held_and_formats_the_address_as_hex()
    {
        var heap = Heap([NpgsqlPool(0xABCDEF, busy: 3)],
        [
            Connector(0x10, 0xABCDEF, transaction: true),
            Connector(0x20, 0xABCDEF),
            Connector(0x30, 0xABCDEF, held: true, holder: "Worker"),
        ]);

        var pool = Assert.Single(Diagnose(heap).Pools);

        Assert.Equal("0xabcdef", pool.Address);
        Assert.Equal(2, pool.Orphaned);
        Assert.Equal(1, pool.Held);
        Assert.Equal(3, pool.Busy);
    }

    [Fact]
    public void Healthy_facts_give_no_warning_or_error()
    {
        var heap = Heap(
            [NpgsqlPool(Pool, busy: 1, idle: 4, holder: "Program.DataSource"), NpgsqlPool(0x2000, "Host=db;Database=x", idle: 2, driverManaged: true, retainedBy: ["static:Npgsql.PoolManager.<Pools>k__BackingField"])],
            [Connector(0x10, Pool, held: true, holder: "Handler.Get")]);

        var report = Diagnose(heap);

        Assert.All(report.Findings, f => Assert.Equal(Severities.Info, f.Severity));
        Assert.Empty(report.Warnings);
        Assert.Equal(12345, report.Snapshot!.LiveObjects);
    }

    [Fact]
    public void Generic_objects_of_unknown_drivers_are_counted_by_kind_and_holder()
    {
        var generic = new List<GenericDbObjectFact>
        {
            new() { Driver = "FirebirdSql.Data.FirebirdClient", Kind = "connection", TypeName = "FbConnection", Address = 0x10, Held = true, Holder = "Repo" },
            new() { Driver = "FirebirdSql.Data.FirebirdClient", Kind = "connection", TypeName = "FbConnection", Address = 0x20 },
            new() { Driver = "FirebirdSql.Data.FirebirdClient", Kind = "reader", TypeName = "FbDataReader", Address = 0x30 },
        };

        var finding = Single(Diagnose(Heap([], [], generic)), FindingKinds.UnknownDriver);

        Assert.Equal(Severities.Info, finding.Severity);
        Assert.Equal(3, finding.Count);
        Assert.Contains("2 connections: 1 held by application code, 1 orphaned", finding.Evidence);
        Assert.Contains("1 reader: 0 held by application code, 1 orphaned", finding.Evidence);
    }

    [Fact]
    public void Orphaned_objects_of_unknown_drivers_name_the_driver_root_keeping_them_and_stay_info()
    {
        IReadOnlyList<string> registry = ["static Acme.Data.AcmePool.Open", "Acme.Data.AcmeConnection"];
        var generic = new List<GenericDbObjectFact>
        {
            new() { Driver = "Acme.Data", Kind = "connection", TypeName = "Acme.Data.AcmeConnection", Address = 0x10, RootPath = registry },
            new() { Driver = "Acme.Data", Kind = "connection", TypeName = "Acme.Data.AcmeConnection", Address = 0x20, RootPath = registry },
            new() { Driver = "Acme.Data", Kind = "connection", TypeName = "Acme.Data.AcmeConnection", Address = 0x30, Held = true, Holder = "static App.Db.Connection", RootPath = ["static App.Db.Connection", "Acme.Data.AcmeConnection"] },
        };

        var report = Diagnose(Heap([], [], generic));
        var finding = Single(report, FindingKinds.UnknownDriver);

        Assert.Equal(Severities.Info, finding.Severity);
        Assert.Equal("Acme.Data", finding.Driver);
        Assert.Contains("3 connections: 1 held by application code, 2 orphaned", finding.Evidence);
        Assert.Contains("Held by: 1 static App.Db.Connection", finding.Evidence);
        Assert.Contains("Orphaned, kept alive only by the driver: 2 static Acme.Data.AcmePool.Open", finding.Evidence);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKinds.LeakedConnection);
    }

    [Fact]
    public void Idle_session_the_driver_recovered_with_its_transaction_open_is_one_leaked_transaction_not_an_orphan()
    {
        var recovered = Connector(0x10, Pool, transaction: true, checkedOut: false) with { Recovered = true };
        var idleAfterCommit = Connector(0x20, Pool, checkedOut: false) with { Recovered = true };
        var heap = Heap([NpgsqlPool(Pool, busy: 0, idle: 2)], [recovered, idleAfterCommit]);

        var report = Diagnose(heap);

        var finding = Single(report, FindingKinds.LeakedTransaction);
        Assert.Equal(1, finding.Count);
        Assert.Contains(finding.Evidence, e => e.StartsWith("1 session already taken back by the driver", StringComparison.Ordinal));
        Assert.Equal(0, Assert.Single(report.Pools).Orphaned);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKinds.LeakedConnection or FindingKinds.LeakedReader);
    }
}
