using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Data sources the application built, dropped without disposing, and that only the driver's own timers or static
/// registries keep alive. They are never collected, and any connections they hold stay open.
/// </summary>
public sealed class LeakedPoolRule : IRule
{
    public static bool IsLeaked(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return !pool.DriverManaged && !pool.Disposed && !pool.RetainedBy.Contains(RetainerKinds.Application);
    }

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var max = context.Options.MaxValuesPerEvidenceLine;
        var groups = context.Pools.Where(IsLeaked)
            .GroupBy(p => p.Driver)
            .OrderBy(g => g.Key, StringComparer.Ordinal);

        foreach (var group in groups)
        {
            var pools = group.OrderBy(p => p.Address).ToList();
            var open = pools.Sum(p => p.Total ?? 0);
            var idle = pools.Sum(p => p.Idle ?? 0);
            var busy = pools.Sum(p => p.Busy ?? 0);
            var types = Text.Tally(pools.Select(p => ShortType(p.TypeName)), max);
            var retainers = pools.SelectMany(p => p.RetainedBy.Count == 0 ? ["(no retainer named)"] : p.RetainedBy).ToList();
            var distinct = pools.Select(p => ConnectionStrings.Redact(p.ConnectionString ?? p.Name)).Distinct(StringComparer.Ordinal).Count();

            var evidence = new List<string>
            {
                $"{Wording.Count(pools.Count, "pool")} ({types}) created by the application, never disposed, and unreachable from application code",
                "Kept alive by: " + Text.Tally(retainers, max),
                open > 0
                    ? $"Together they keep {Wording.Count(open, "connection")} open ({idle} idle, {busy} busy) that nothing can use or close"
                    : "They hold no open connection right now, but each one is never collected",
                distinct == 1
                    ? $"All {pools.Count} share one connection string: one data source, created once and reused, would do"
                    : $"{distinct} distinct connection strings among {pools.Count} pools",
                "Pools: " + Text.Tally(pools.Select(p => "'" + DiagnosisContext.DisplayName(p) + "'"), max),
            };
            var leftovers = pools.SelectMany(p => p.Leftovers).ToList();
            if (leftovers.Count > 0)
            {
                evidence.Add("Also referenced by what holds nothing any more: " + Text.Tally(leftovers, max));
            }

            yield return new Finding
            {
                Kind = FindingKinds.LeakedPool,
                Severity = open > 0 ? Severities.Error : Severities.Warning,
                Driver = group.Key,
                Count = pools.Count,
                Title = $"{Wording.Count(pools.Count, "leaked pool")}: data sources dropped undisposed, kept alive by the driver" +
                        (open > 0 ? $", holding {Wording.Count(open, "open connection")}" : ""),
                Evidence = evidence,
                Advice = context.ProfileOf(group.Key).Words.LeakedPoolAdvice(),
                Objects = pools.Take(context.Options.MaxObjectsPerFinding).Select(p => FindingObjects.Of(p, $"{p.Total ?? 0} open, retained by {string.Join(" + ", p.RetainedBy)}")).ToList(),
                Pool = distinct == 1 ? DiagnosisContext.DisplayName(pools[0]) : null,
            };
        }
    }

    private static string ShortType(string typeName) => typeName[(typeName.LastIndexOf('.') + 1)..];
}
