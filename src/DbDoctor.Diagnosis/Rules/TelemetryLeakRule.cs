using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Without a heap snapshot (attach --no-heap), a pool whose used connections keep rising is the only sign of a leak:
/// reported as a warning, since load alone can raise it too. With a heap, the rate goes into the leak findings instead.
/// </summary>
public sealed class TelemetryLeakRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        if (context.Heap is not null)
        {
            yield break;
        }

        foreach (var series in context.Series.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            if (context.LeakRateOf(series) is not { } rate || !rate.IsRising(context.Options))
            {
                continue;
            }

            var name = DiagnosisContext.DisplayName(series);
            var used = (int)Math.Round(rate.LastUsed ?? 0);
            var summary = SeriesSummary.Of(series);
            var evidence = new List<string> { OrphanedConnectionFindings.LeakRateLine(rate) };
            if (summary.FirstOperationsPerSecond is { } ops)
            {
                evidence.Add($"Operations per second: {Text.Number(Math.Round(ops, 1))} at the start, {Text.Number(Math.Round(summary.LastOperationsPerSecond ?? 0, 1))} at the end");
            }

            evidence.Add(context.Telemetry?.TargetExited == true
                ? "No heap snapshot was taken: the process exited during the window"
                : "No heap snapshot was taken (--no-heap): run without it to see which connections are orphaned and what they were doing");
            yield return new Finding
            {
                Kind = FindingKinds.LeakedConnection,
                Severity = Severities.Warning,
                Driver = series.Driver,
                Count = used,
                Title = $"Pool '{name}': used connections rising {Text.Number(Math.Round(rate.PerMinute, 1))}/min to {used} (possible connection leak; heap not inspected)",
                Evidence = evidence,
                Advice = context.ProfileOf(series.Driver).Words.LeakedConnectionAdvice(),
                Pool = name,
            };
        }
    }
}
