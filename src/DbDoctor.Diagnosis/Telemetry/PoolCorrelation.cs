using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Telemetry;

public sealed record PoolMatch(PoolSeries Series, IReadOnlyList<PoolFact> Pools, string How);

/// <summary>
/// Matches the pools the live telemetry named to the pools the heap found. Both carry the driver's pool name with the
/// password removed, so an exact name match comes first; then the database and host read from the name; then, when
/// there is exactly one of each, the one to the other. Several data sources may share one name (a driver's counters
/// may merge them), so one series can match several heap pools.
/// </summary>
public static class PoolCorrelation
{
    public const string ByName = "name";
    public const string ByEndpoint = "database/host";
    public const string OnlyOne = "only pool";

    public static IReadOnlyList<PoolMatch> Match(IReadOnlyList<PoolFact> pools, IReadOnlyList<PoolSeries> series, DriverCatalog drivers)
    {
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(drivers);
        var matches = new List<PoolMatch>();
        var unmatched = new List<PoolSeries>();
        var taken = new HashSet<ulong>();

        foreach (var s in series)
        {
            var byName = pools.Where(p => SameName(p, s)).ToList();
            if (byName.Count > 0)
            {
                matches.Add(new PoolMatch(s, byName, ByName));
                taken.UnionWith(byName.Select(p => p.Address));
            }
            else
            {
                unmatched.Add(s);
            }
        }

        var free = pools.Where(p => !taken.Contains(p.Address)).ToList();
        foreach (var s in unmatched)
        {
            var byEndpoint = OneLogicalPool(free.Where(p => SameEndpoint(p, s, drivers.Resolve(s.Driver).ConnectionStrings)).ToList());
            if (byEndpoint.Count > 0)
            {
                matches.Add(new PoolMatch(s, byEndpoint, ByEndpoint));
                free.RemoveAll(p => byEndpoint.Contains(p));
            }
        }

        var stillUnmatched = unmatched.Where(s => matches.All(m => m.Series != s)).ToList();
        if (series.Count == 1 && stillUnmatched.Count == 1)
        {
            var candidates = OneLogicalPool(free.Where(p => !p.Disposed && SameDriver(drivers, p.Driver, stillUnmatched[0].Driver)).ToList());
            if (candidates.Count > 0)
            {
                matches.Add(new PoolMatch(stillUnmatched[0], candidates, OnlyOne));
            }
        }

        return matches;
    }

    private static bool SameName(PoolFact pool, PoolSeries series) =>
        string.Equals(pool.Name, series.Name, StringComparison.Ordinal)
        || string.Equals(ConnectionStrings.Redact(pool.Name), ConnectionStrings.Redact(series.Name), StringComparison.Ordinal)
        || (pool.ConnectionString is not null
            && string.Equals(ConnectionStrings.Redact(pool.ConnectionString), ConnectionStrings.Redact(series.Name), StringComparison.Ordinal));

    private static bool SameEndpoint(PoolFact pool, PoolSeries series, ConnectionStringSemantics keywords)
    {
        var database = keywords.Database(series.Name);
        var host = keywords.Host(series.Name);
        if (database is null || pool.Database is null || !string.Equals(database, pool.Database, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return host is null || pool.Host is null || string.Equals(host, pool.Host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Candidates count as one match only when they are one logical pool (same name); otherwise the match is ambiguous.</summary>
    private static List<PoolFact> OneLogicalPool(List<PoolFact> candidates) =>
        candidates.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() == 1 ? candidates : [];

    /// <summary>Same profile, or a series of a driver DbDoctor has no profile for (it may be any pool's).</summary>
    private static bool SameDriver(DriverCatalog drivers, string poolDriver, string seriesDriver) =>
        drivers.Resolve(poolDriver) == drivers.Resolve(seriesDriver) || drivers.Resolve(seriesDriver).IsGeneric;
}
