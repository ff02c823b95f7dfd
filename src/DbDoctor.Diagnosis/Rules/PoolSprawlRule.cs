using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Many driver-managed pools of one driver whose connection strings have the same keys and differ only in the values
/// of a few (a tenant's database, file or application name): one pool per tenant, each with its own connections.
/// </summary>
public sealed class PoolSprawlRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var options = context.Options;
        var shapes = context.Pools
            .Where(p => p.DriverManaged && !p.Disposed)
            .Select(p => (Pool: p, Keys: KeyValues(p)))
            .GroupBy(x => (x.Pool.Driver, Shape: string.Join(";", x.Keys.Keys.Order(StringComparer.Ordinal))))
            .OrderBy(g => g.Key.Driver, StringComparer.Ordinal).ThenBy(g => g.Key.Shape, StringComparer.Ordinal);

        foreach (var shape in shapes)
        {
            var members = shape.OrderBy(x => x.Pool.Address).ToList();
            if (members.Count < options.PoolSprawlMinPools)
            {
                continue;
            }

            var varying = members[0].Keys.Keys
                .Where(k => members.Select(m => m.Keys[k]).Distinct(StringComparer.Ordinal).Count() > 1)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (varying.Count == 0 || varying.Count > options.PoolSprawlMaxVaryingKeys)
            {
                continue;
            }

            yield return Build(context, shape.Key.Driver, members, varying);
        }
    }

    private static Finding Build(DiagnosisContext context, string driver, List<(PoolFact Pool, Dictionary<string, string> Keys)> members, List<string> varying)
    {
        var max = context.Options.MaxValuesPerEvidenceLine;
        var pools = members.Select(m => m.Pool).ToList();
        var keyNames = varying.Select(k => OriginalKeyName(pools[0], k)).ToList();
        var open = pools.Sum(p => p.Total ?? 0);
        var busy = pools.Sum(p => p.Busy ?? 0);
        var evidence = new List<string>
        {
            $"{Wording.Count(pools.Count, "pool")} of {driver} whose connection strings differ only in {string.Join(", ", keyNames)}",
        };
        foreach (var key in varying)
        {
            var values = members.Select(m => m.Keys[key]).Distinct(StringComparer.Ordinal);
            evidence.Add($"{OriginalKeyName(pools[0], key)}: " + Text.List(values, max));
        }

        evidence.Add($"Together they hold {Wording.Count(open, "open connection")} ({busy} busy)");
        var maxes = pools.Select(p => p.Max).OfType<int>().ToList();
        if (maxes.Count == pools.Count)
        {
            evidence.Add($"Each pool may open its own connections: up to {maxes.Sum()} in all, against one server's max_connections");
        }

        return new Finding
        {
            Kind = FindingKinds.PoolSprawl,
            Severity = Severities.Warning,
            Driver = driver,
            Count = pools.Count,
            Title = $"Pool sprawl: {Wording.Count(pools.Count, "pool")} of {driver}, one per value of {string.Join(", ", keyNames)}, holding {Wording.Count(open, "connection")}",
            Evidence = evidence,
            Advice = context.ProfileOf(driver).Words.PoolSprawlAdvice(keyNames),
            Objects = pools.Take(context.Options.MaxObjectsPerFinding).Select(p => FindingObjects.Of(p, $"{Wording.Count(p.Total ?? 0, "open connection")}, pool '{DiagnosisContext.DisplayName(p)}'")).ToList(),
        };
    }

    /// <summary>Keys lower-cased so that "Database" and "database" are one key; secrets are never compared or shown.</summary>
    private static Dictionary<string, string> KeyValues(PoolFact pool)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ConnectionStrings.Pairs(ConnectionStrings.Redact(pool.ConnectionString ?? pool.Name)))
        {
            result.TryAdd(key.ToUpperInvariant(), value ?? "");
        }

        return result;
    }

    private static string OriginalKeyName(PoolFact pool, string normalizedKey) =>
        ConnectionStrings.Pairs(pool.ConnectionString ?? pool.Name)
            .Select(p => p.Key)
            .FirstOrDefault(k => k.ToUpperInvariant() == normalizedKey) ?? normalizedKey;
}
