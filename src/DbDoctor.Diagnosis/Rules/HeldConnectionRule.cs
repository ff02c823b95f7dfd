using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Checked-out connections an application root holds. Not a leak (a LISTEN loop or a long job holds one on purpose),
/// but they count against the pool's max, so the report says what holds them.
/// </summary>
public sealed class HeldConnectionRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var groups = context.Connections
            .Where(c => ConnectionClassification.KindOf(c) == FindingKinds.HeldConnection)
            .GroupBy(c => (c.Driver, Pool: c.PoolAddress ?? 0UL))
            .OrderBy(g => g.Key.Driver, StringComparer.Ordinal).ThenBy(g => g.Key.Pool);
        var max = context.Options.MaxValuesPerEvidenceLine;

        foreach (var group in groups)
        {
            var connections = group.OrderBy(c => c.Address).ToList();
            var pool = context.PoolOf(connections[0]);
            var poolName = DiagnosisContext.DisplayName(pool);
            var holders = connections.Select(c => c.Holder ?? "an application root").ToList();
            var evidence = new List<string>
            {
                $"{Wording.Count(connections.Count, "connection")} checked out of pool '{poolName}' and reachable from application code",
                "Held by: " + Text.Tally(holders, max),
            };

            var inTransaction = connections.Where(c => c.Transaction is { Open: true }).ToList();
            if (inTransaction.Count > 0)
            {
                evidence.Add($"{inTransaction.Count} of them {(inTransaction.Count == 1 ? "sits" : "sit")} in an open transaction ({Text.Tally(inTransaction.Select(c => c.Holder ?? "an application root"), max)}): " +
                             "a transaction held open this long keeps its locks");
            }

            if (connections.FirstOrDefault(c => c.RootPath.Count > 0) is { } example)
            {
                evidence.Add("Root path: " + string.Join(" -> ", example.RootPath));
            }

            if (pool?.Max is { } poolMax)
            {
                evidence.Add($"They use {connections.Count} of the pool's {poolMax} connections");
            }

            if (pool is not null && context.SeriesOf(pool) is { } series && context.CountersVersusHeap(series) is { } line)
            {
                evidence.Add("Live counters: " + line);
            }

            var origins = context.Origins?.Attribute(connections, "held connection", max);
            evidence.AddRange(origins?.Evidence ?? []);

            // The title names at most two holders to stay one line; the evidence line above lists them up to the setting.
            var holderSummary = Text.List(holders.Distinct(StringComparer.Ordinal), 2);
            yield return new Finding
            {
                Kind = FindingKinds.HeldConnection,
                Severity = Severities.Info,
                Driver = group.Key.Driver,
                Count = connections.Count,
                Title = $"{Wording.Count(connections.Count, "connection")} of pool '{poolName}' held by application code ({holderSummary})" +
                        (inTransaction.Count > 0 ? $", {inTransaction.Count} in an open transaction" : ""),
                Evidence = evidence,
                Advice = context.ProfileOf(group.Key.Driver).Words.HeldConnectionAdvice(),
                Objects = FindingObjects.Listed(connections, origins, context.Options.MaxObjectsPerFinding),
                Pool = pool is null ? null : poolName,
                Origins = origins?.Groups,
            };
        }
    }
}
