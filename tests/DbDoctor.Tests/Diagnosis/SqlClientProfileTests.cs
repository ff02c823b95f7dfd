using DbDoctor.Diagnosis;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>SqlClient findings use SqlClient's own knowledge, not another driver's (the two bugs of issue 8).</summary>
public class SqlClientProfileTests
{
    private const string SqlClient = "Microsoft.Data.SqlClient";
    private const string PoolTimeout = "Timeout expired.  The timeout period elapsed prior to obtaining a connection from the pool.  This may have occurred because all pooled connections were in use and max pool size was reached.";

    private static PoolFact SqlClientPool(int busy, int max = 10, int min = 0) => new()
    {
        Driver = SqlClient,
        Address = 0x5000,
        TypeName = "Microsoft.Data.ProviderBase.DbConnectionPool",
        Name = "Data Source=db;Initial Catalog=shop",
        ConnectionString = "Data Source=db;Initial Catalog=shop",
        DriverManaged = true,
        Max = max,
        Min = min,
        Total = busy,
        Idle = 0,
        Busy = busy,
        Host = "db",
        Database = "shop",
        RetainedBy = ["static:pool groups"],
    };

    private static TelemetryFacts Timeouts(int count) => new()
    {
        WindowSeconds = 10,
        Pools = [],
        Exceptions = [new ExceptionGroup { Type = "System.InvalidOperationException", Message = PoolTimeout, Count = count, FirstSeen = 1, LastSeen = 9 }],
        RuntimeCounters = new Dictionary<string, double>(),
    };

    [Fact]
    public void A_pool_timeout_without_a_heap_pool_is_blamed_on_sqlclient_not_on_System()
    {
        var finding = Single(Diagnose(heap: null, Timeouts(4)), FindingKinds.PoolExhaustion);

        Assert.Equal(SqlClient, finding.Driver);
        Assert.Equal(4, finding.Count);
        Assert.Contains("Connect Timeout", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_timeout_with_the_exhausted_heap_pool_is_one_finding_of_that_pool()
    {
        var busy = Range(10, 0x10, a => Connector(a, 0x5000, transaction: true, driver: SqlClient)).ToList();
        var heap = Heap([SqlClientPool(busy: 10)], busy);

        var finding = Single(Diagnose(heap, Timeouts(4)), FindingKinds.PoolExhaustion);

        Assert.Equal(SqlClient, finding.Driver);
        Assert.Equal("Data Source=db;Initial Catalog=shop", finding.Pool);
    }

    [Fact]
    public void Stale_evidence_describes_sqlclient_idle_pruning_not_the_npgsql_default()
    {
        var input = new DiagnosisInput { Target = DumpTarget, Heap = Heap([SqlClientPool(busy: 0)]), ServerIdleTimeoutSeconds = 120, ServerIdleTimeoutSource = "--server-idle-timeout 2min" };

        var finding = Single(Diagnoser.Diagnose(input), FindingKinds.StaleConnection);

        var poolLine = Assert.Single(finding.Evidence, e => e.StartsWith("Heap: pool", StringComparison.Ordinal));
        Assert.DoesNotContain("Connection Idle Lifetime", poolLine, StringComparison.Ordinal);
        Assert.DoesNotContain("300", poolLine, StringComparison.Ordinal);
        Assert.Contains("4-8 minutes", poolLine, StringComparison.Ordinal);
        Assert.Contains("Min Pool Size=0", poolLine, StringComparison.Ordinal);
        Assert.Contains("up to 8 min", finding.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("Connection Idle Lifetime", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("idle_session_timeout", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_server_timeout_longer_than_sqlclient_pruning_is_no_risk_while_npgsql_defaults_still_are()
    {
        var sqlClient = new DiagnosisInput { Target = DumpTarget, Heap = Heap([SqlClientPool(busy: 0)]), ServerIdleTimeoutSeconds = 600 };
        var npgsql = sqlClient with { Heap = Heap([NpgsqlPool(0x1, idle: 2)]), ServerIdleTimeoutSeconds = 305 };

        Assert.DoesNotContain(Diagnoser.Diagnose(sqlClient).Findings, f => f.Kind == FindingKinds.StaleConnection);
        var finding = Single(Diagnoser.Diagnose(npgsql), FindingKinds.StaleConnection);
        Assert.Contains(finding.Evidence, e => e.Contains("Connection Idle Lifetime=300 s (default), Minimum Pool Size=0", StringComparison.Ordinal));
    }
}
