using DbDoctor.Diagnosis;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

public class SortOrderTests
{
    private static Finding F(string kind, string severity, int count) =>
        new() { Kind = kind, Severity = severity, Driver = Npgsql, Count = count, Title = $"{count} {kind}", Advice = "-" };

    [Fact]
    public void Errors_come_before_warnings_before_info_then_larger_counts_first()
    {
        var sorted = Diagnoser.Sort(
        [
            F(FindingKinds.HeldConnection, Severities.Info, 50),
            F(FindingKinds.PoolSprawl, Severities.Warning, 12),
            F(FindingKinds.LeakedReader, Severities.Error, 2),
            F(FindingKinds.LeakedTransaction, Severities.Error, 20),
            F(FindingKinds.LeakedPool, Severities.Warning, 30),
        ]);

        Assert.Equal(
            [FindingKinds.LeakedTransaction, FindingKinds.LeakedReader, FindingKinds.LeakedPool, FindingKinds.PoolSprawl, FindingKinds.HeldConnection],
            sorted.Select(f => f.Kind));
    }

    [Fact]
    public void Diagnosis_is_deterministic_and_sorted()
    {
        const ulong pool = 0x5000;
        var connections = Range(3, 0x1000, a => Connector(a, pool, transaction: true))
            .Concat(Range(2, 0x9000, a => Connector(a, pool, held: true, holder: "Listener")))
            .Concat(Range(5, 0x20000, a => Connector(a, pool)))
            .ToList();
        var heap = Heap([NpgsqlPool(pool, busy: 10)], connections);

        var first = Diagnose(heap);
        var second = Diagnose(heap);

        Assert.Equal(
            [FindingKinds.PoolExhaustion, FindingKinds.LeakedConnection, FindingKinds.LeakedTransaction, FindingKinds.HeldConnection],
            first.Findings.Select(f => f.Kind));
        Assert.Equal(first.Findings.Select(f => f.Title), second.Findings.Select(f => f.Title));
        Assert.Equal(first.Findings.SelectMany(f => f.Evidence), second.Findings.SelectMany(f => f.Evidence));
    }
}
