using DbDoctor.Drivers;
using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// A pool with every connection busy and requests waiting or timing out, seen in the heap (busy >= max) or in the live
/// counters (used = max with pending requests, timeouts or "pool exhausted" exceptions). The evidence names what keeps
/// the connections busy, using the same classification as the leak findings.
/// </summary>
public sealed class PoolExhaustionRule : IRule
{
    public static bool IsExhausted(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Pooling && pool.Max is > 0 && pool.Busy >= pool.Max;
    }

    public static bool IsExhausted(SeriesSummary summary, int exhaustionExceptions)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var waiting = summary.PeakPending > 0 || summary.Timeouts > 0 || exhaustionExceptions > 0;
        return summary.ReachedMax ? waiting : summary.Max is null && summary.Timeouts > 0;
    }

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var drivers = context.Drivers;
        var exceptions = context.Telemetry?.Exceptions.Where(e => drivers.Classify(e.Type, e.Message) == ErrorKind.PoolTimeout).ToList() ?? [];
        var window = context.Telemetry?.WindowSeconds ?? 0;
        var findings = new List<Finding>();
        var covered = new HashSet<ulong>();

        foreach (var series in context.Series.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var summary = SeriesSummary.Of(series);
            var related = exceptions.Where(e => SameDriver(drivers, e, series.Driver)).ToList();
            var exceptionCount = related.Sum(e => e.Count);
            var pools = context.PoolsOf(series);
            if (!IsExhausted(summary, exceptionCount) && !pools.Any(IsExhausted))
            {
                continue;
            }

            covered.UnionWith(pools.Select(p => p.Address));
            var evidence = new List<string>();
            if (pools.Count > 0)
            {
                evidence.Add(HeapCause(context, pools));
            }

            evidence.AddRange(CounterEvidence(context, series, summary, exceptionCount, window));
            var busy = pools.Count > 0 ? pools.Sum(p => p.Busy ?? 0) : (int)Math.Round(summary.PeakUsed ?? 0);
            var max = pools.Count > 0 && pools.All(p => p.Max is not null) ? pools.Sum(p => p.Max ?? 0) : (int)Math.Round(summary.Max ?? 0);
            findings.Add(Build(context, series.Driver, DiagnosisContext.DisplayName(series), busy, max, evidence, summary, exceptionCount));
        }

        foreach (var pool in context.Pools.Where(p => IsExhausted(p) && !covered.Contains(p.Address)).OrderBy(p => p.Address))
        {
            var evidence = new List<string> { HeapCause(context, [pool]) };
            if (context.SeriesOf(pool) is { } series && context.CountersVersusHeap(series) is { } line)
            {
                evidence.Add("Live counters: " + line);
            }

            findings.Add(Build(context, pool.Driver, DiagnosisContext.DisplayName(pool), pool.Busy ?? 0, pool.Max ?? 0, evidence, null, 0));
        }

        var unexplained = exceptions.Where(e => !findings.Any(f => SameDriver(drivers, e, f.Driver))).ToList();
        if (unexplained.Count > 0)
        {
            var count = unexplained.Sum(e => e.Count);
            var driver = DriverOfException(drivers, unexplained[0]);
            findings.Add(new Finding
            {
                Kind = FindingKinds.PoolExhaustion,
                Severity = Severities.Error,
                Driver = driver,
                Count = count,
                Title = $"Connection pool exhausted: {Wording.Count(count, "failure")} waiting for a pooled connection",
                Evidence = unexplained.Select(e => ExceptionLine(e, window)).ToList(),
                Advice = context.ProfileOf(driver).Words.PoolExhaustionAdvice(),
            });
        }

        return findings;
    }

    /// <summary>"10 of 10 busy: 10 orphaned (10 leaked-transaction), 0 held".</summary>
    public static string HeapCause(DiagnosisContext context, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(pools);
        var checkedOut = pools.SelectMany(p => context.CheckedOutOf(p.Address)).ToList();
        var orphaned = checkedOut.Where(c => !c.Held).ToList();
        var held = checkedOut.Count - orphaned.Count;
        var busy = pools.Sum(p => p.Busy ?? 0);
        var max = pools.Sum(p => p.Max ?? 0);
        var kinds = orphaned.Count == 0 ? "" : " (" + Text.Tally(orphaned.Select(c => ConnectionClassification.KindOf(c)!), context.Options.MaxValuesPerEvidenceLine) + ")";
        return $"Heap: {busy} of {max} busy: {orphaned.Count} orphaned{kinds}, {held} held" +
               (checkedOut.Count < busy ? $", {busy - checkedOut.Count} not explained by the snapshot" : "");
    }

    private static IEnumerable<string> CounterEvidence(DiagnosisContext context, PoolSeries series, SeriesSummary s, int exceptionCount, double window)
    {
        if (s.Max is not null)
        {
            var at = s.ReachedMaxAt is { } t ? $", first at {Text.Number(Math.Round(t, 1))} s into the window" : "";
            yield return $"Counters: used peaked at {Text.Number(s.PeakUsed ?? 0)} of max {Text.Number(s.Max.Value)}{at}; idle {Text.Number(s.LastIdle ?? 0)} at the end";
        }

        if (s.PeakPending > 0)
        {
            yield return $"Up to {Text.Number(s.PeakPending)} requests waiting for a connection";
        }

        if (s.Timeouts > 0)
        {
            yield return $"{Text.Number(s.Timeouts)} timeouts waiting for a connection during the {Text.Duration(window)} window";
        }

        if (exceptionCount > 0 && window > 0)
        {
            yield return $"{Wording.Count(exceptionCount, "'pool exhausted' exception")} ({Text.Number(Math.Round(exceptionCount / window, 2))} per second)";
        }

        if (s.FirstOperationsPerSecond is { } first && s.LastOperationsPerSecond is { } last && last < first)
        {
            yield return $"Operations per second fell from {Text.Number(Math.Round(first, 1))} to {Text.Number(Math.Round(last, 1))}";
        }

        if (context.CountersVersusHeap(series) is { } line)
        {
            yield return "Live counters: " + line;
        }

        if (context.LeakRateOf(series) is { } rate && rate.IsRising(context.Options))
        {
            yield return OrphanedConnectionFindings.LeakRateLine(rate);
        }
    }

    private static Finding Build(DiagnosisContext context, string driver, string poolName, int busy, int max, List<string> evidence, SeriesSummary? summary, int exceptionCount)
    {
        var waiting = summary is null ? "" :
            summary.PeakPending > 0 ? $", {Text.Number(summary.PeakPending)} requests waiting" :
            summary.Timeouts > 0 ? $", {Text.Number(summary.Timeouts)} timeouts" :
            exceptionCount > 0 ? $", {Wording.Count(exceptionCount, "exhaustion error")}" : "";
        return new Finding
        {
            Kind = FindingKinds.PoolExhaustion,
            Severity = Severities.Error,
            Driver = driver,
            Count = busy,
            Title = $"Pool '{poolName}' exhausted: {busy} of {max} connections busy{waiting}",
            Evidence = evidence,
            Advice = context.ProfileOf(driver).Words.PoolExhaustionAdvice(),
            Pool = poolName,
        };
    }

    private static string ExceptionLine(ExceptionGroup e, double window) =>
        $"{e.Type}: {Text.Truncate(Text.OneLine(e.Message), 160)} — {Wording.Count(e.Count, "failure")}" +
        (window > 0 ? $" ({Text.Number(Math.Round(e.Count / window, 2))} per second)" : "");

    /// <summary>The driver whose profile claims the exception (by type or message), else the exception type's namespace.</summary>
    private static string DriverOfException(DriverCatalog drivers, ExceptionGroup e) =>
        drivers.OwnerOfError(e.Type, e.Message)?.Name
        ?? (e.Type.Contains('.', StringComparison.Ordinal) ? e.Type[..e.Type.LastIndexOf('.')] : e.Type);

    private static bool SameDriver(DriverCatalog drivers, ExceptionGroup e, string driver) =>
        drivers.OwnerOfError(e.Type, e.Message) is { } owner ? owner == drivers.Resolve(driver) : drivers.Resolve(driver).IsGeneric;
}
