using DbDoctor.Model.Facts;
using DbDoctor.Model.Watch;

namespace DbDoctor.Diagnosis.Watch;

/// <summary>Each pool's latest sample, with the recent leak rate and time to exhaustion, for the live table.</summary>
public static class WatchRows
{
    public static IReadOnlyList<WatchPoolRow> From(TelemetryFacts telemetry, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        var rows = new List<WatchPoolRow>();
        foreach (var series in telemetry.Pools.Where(p => p.Samples.Count > 0))
        {
            var last = series.Samples[^1];
            var rate = TriggerEvaluator.RecentLeakRate(series, series.Samples.Count - 1, options);
            var max = series.Samples.LastOrDefault(s => s.Max is > 0)?.Max;
            rows.Add(new WatchPoolRow
            {
                Driver = series.Driver,
                Pool = series.Name,
                Used = last.Used,
                Idle = last.Idle,
                Max = max,
                Pending = last.PendingRequests,
                Timeouts = series.Samples.LastOrDefault(s => s.Timeouts is not null)?.Timeouts ?? (last.Used is null ? null : 0),
                LeakRatePerMinute = rate is null ? null : Math.Round(rate.PerMinute, 2),
                SecondsToExhaustion = last.Used >= max ? 0
                    : rate is { } r && r.IsRising(options) && r.SecondsToExhaustion is { } s ? Math.Round(s) : null,
            });
        }

        return rows;
    }
}
