using DbDoctor.Diagnosis;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>--max-sql and MaxValuesPerEvidenceLine are the only limits on what a finding lists: no hidden caps in the rules.</summary>
public class EvidenceLimitTests
{
    private const ulong Pool = 0x7f00_0000_1000;

    [Fact]
    public void Sql_longer_than_500_characters_is_kept_as_the_heap_read_it()
    {
        // The heap reader cuts at --max-sql; a user asking for 2000 characters gets 2000, not 500.
        var sql = "SELECT " + string.Join(", ", Enumerable.Range(0, 400).Select(i => $"c{i}"));
        Assert.True(sql.Length > 2000);
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, transaction: true, sql: sql)]);

        var finding = Single(Diagnose(heap), FindingKinds.LeakedTransaction);

        Assert.Equal(sql, finding.Objects[0].Sql);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void Distinct_sql_texts_follow_the_evidence_line_setting(int max)
    {
        var connections = Range(6, 0x10_0000, a => Connector(a, Pool, transaction: true, sql: $"UPDATE t{a:x} SET x = 1")).ToList();
        var heap = Heap([NpgsqlPool(Pool, busy: 6)], connections);

        var finding = Single(Diagnose(heap, options: new DiagnosisOptions { MaxValuesPerEvidenceLine = max }), FindingKinds.LeakedTransaction);

        var line = Assert.Single(finding.Evidence, e => e.StartsWith("Last SQL: ", StringComparison.Ordinal));
        Assert.Equal(Math.Min(6, max), line.Split("'UPDATE", StringSplitOptions.None).Length - 1);
        Assert.Equal(max < 6, line.Contains($"(+{6 - max} more)", StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_connection_states_follow_the_evidence_line_setting()
    {
        var connections = Range(6, 0x10_0000, a => Connector(a, Pool, held: true, holder: "static App.Db") with { Broken = true, State = $"Broken{a:x}" }).ToList();
        var heap = Heap([NpgsqlPool(Pool, busy: 6)], connections);

        var report = Diagnose(heap, options: new DiagnosisOptions { MaxValuesPerEvidenceLine = 6 });

        var stale = Single(report, FindingKinds.StaleConnection);
        var line = Assert.Single(stale.Evidence, e => e.StartsWith("Heap: 6 broken connections", StringComparison.Ordinal));
        Assert.DoesNotContain("more)", line, StringComparison.Ordinal);
        Assert.Equal(6, line.Split("1 Broken", StringSplitOptions.None).Length - 1);
    }
}
