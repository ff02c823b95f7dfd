using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis;

/// <summary>Turns facts into a report. Pure and deterministic: the same facts always give the same report.</summary>
public static class Diagnoser
{
    public static Report Diagnose(DiagnosisInput input) => Diagnose(input, RuleRegistry.All);

    public static Report Diagnose(DiagnosisInput input, IReadOnlyList<IRule> rules)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(rules);
        var context = new DiagnosisContext(input);
        var findings = rules.SelectMany(r => r.Evaluate(context)).ToList();

        return new Report
        {
            Target = input.Target,
            Drivers = input.Heap?.Drivers ?? [],
            Pools = context.Pools.Select(p => ToPoolReport(context, p)).ToList(),
            Findings = Sort(findings),
            Telemetry = input.Telemetry is { } t
                ? new TelemetryReport
                {
                    WindowSeconds = t.WindowSeconds,
                    Pools = context.Series,
                    Exceptions = t.Exceptions,
                    RuntimeCounters = t.RuntimeCounters,
                    Trace = t.Trace is { } trace ? TraceSummary(trace, findings) : null,
                }
                : null,
            Snapshot = input.Heap is { } heap
                ? new SnapshotReport
                {
                    LiveObjects = heap.Stats.ObjectsMarkedLive,
                    HeapBytes = heap.Stats.HeapBytes,
                    AnalysisSeconds = heap.Stats.AnalysisTime.TotalSeconds,
                    Incomplete = HeapCoverage.IsIncomplete(heap.Stats),
                    UnreadableSegments = heap.Stats.UnreadableSegments,
                    UnreadableObjects = heap.Stats.UnreadableObjects,
                    DumpPath = input.Target.Kind == "dump" ? input.Target.Path : null,
                }
                : null,
            Warnings = Warnings(input, context),
            Inconclusive = TelemetryCoverage.Inconclusive(input),
        };
    }

    /// <summary>Most severe first (error, warning, info), then the larger count, then kind and pool so the order is stable.</summary>
    public static IReadOnlyList<Finding> Sort(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        return findings
            .OrderBy(f => Severities.Rank(f.Severity))
            .ThenByDescending(f => f.Count)
            .ThenBy(f => f.Kind, StringComparer.Ordinal)
            .ThenBy(f => f.Driver, StringComparer.Ordinal)
            .ThenBy(f => f.Pool ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Title, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Operations traced, and the connections of leak and held findings whose origin is known or not.</summary>
    private static TraceReport TraceSummary(TraceFacts trace, IReadOnlyList<Finding> findings)
    {
        var traced = findings.Where(f => f.Origins is not null).ToList();
        var attributed = traced.Sum(f => f.Origins!.Sum(g => g.Count));
        return new TraceReport
        {
            StartedAt = Iso(trace.StartedAt),
            SnapshotAt = trace.SnapshotAt is { } snapshotAt ? Iso(snapshotAt) : null,
            Operations = trace.OperationsTraced,
            Attributed = attributed,
            Unattributed = traced.Sum(f => f.Count) - attributed,
        };
    }

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static PoolReport ToPoolReport(DiagnosisContext context, PoolFact pool)
    {
        var checkedOut = context.CheckedOutOf(pool.Address).ToList();
        return new PoolReport
        {
            Driver = pool.Driver,
            Name = DiagnosisContext.DisplayName(pool),
            Type = pool.TypeName,
            Address = Hex.Format(pool.Address),
            DriverManaged = pool.DriverManaged,
            Pooling = pool.Pooling,
            Max = pool.Max,
            Min = pool.Min,
            IdleLifetimeSeconds = pool.IdleLifetimeSeconds,
            LifetimeSeconds = pool.LifetimeSeconds,
            Total = pool.Total,
            Idle = pool.Idle,
            Busy = pool.Busy,
            Disposed = pool.Disposed,
            RetainedBy = pool.RetainedBy,
            Holder = pool.Holder,
            Orphaned = checkedOut.Count(c => !c.Held),
            Held = checkedOut.Count(c => c.Held),
        };
    }

    private static List<string> Warnings(DiagnosisInput input, DiagnosisContext context)
    {
        var warnings = new List<string>();
        if (input.Heap is { } heap && HeapCoverage.IsIncomplete(heap.Stats))
        {
            warnings.Add(HeapCoverage.Warning(heap.Stats));
        }

        warnings.AddRange(input.Heap?.Warnings ?? []);
        var plainSilence = TelemetryCoverage.HeapOnly(input);
        var silenceExplained = plainSilence is not null && TelemetryCoverage.AllLoadedDriversAreSilent(input);
        warnings.AddRange((input.Telemetry?.Warnings ?? []).Where(w => !silenceExplained || w != TelemetryFacts.NoPoolTelemetryWarning));
        if (plainSilence is not null)
        {
            warnings.Add(plainSilence);
        }

        if (input.Telemetry?.Trace is { } trace)
        {
            warnings.AddRange(trace.Warnings);
            if (trace.EventsLost > 0)
            {
                warnings.Add($"The trace session lost {trace.EventsLost} events (the target's trace buffer overflowed): some origins may be missing.");
            }
        }
        if (input.Telemetry is { TargetExited: true } telemetry)
        {
            // WindowSeconds is what was collected, not what was asked for: say when the target left, not how long the window was.
            warnings.Add($"The target exited before the telemetry window ended, {Text.Duration(telemetry.WindowSeconds)} into it: the counters cover only that part.");
        }

        foreach (var series in context.Series.Where(s => s.LevelsAreLowerBounds))
        {
            warnings.Add($"The {series.Driver} driver reports used/idle connections of pool '{DiagnosisContext.DisplayName(series)}' as changes since dbdoctor attached and no heap count anchored them: the levels are lower bounds.");
        }

        if (TelemetryCoverage.Warning(input) is { } unseen)
        {
            warnings.Add(unseen);
        }

        if (input.Heap is null && input.Telemetry is null)
        {
            warnings.Add("Neither a heap snapshot nor telemetry was available: nothing was checked.");
        }

        return warnings;
    }
}
