using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Telemetry;

/// <summary>
/// Gives absolute levels to a series whose driver reports used/idle only as changes since the session began: the heap
/// snapshot taken right after the window counts the pool's busy and idle connections, and the last sample is shifted
/// onto that count (the busy count comes from the pool's own slot accounting, not from the classified connections, so
/// "busy = orphaned + held" stays a check). Series with absolute levels, or without a heap count, are returned as they are.
/// </summary>
public static class SeriesAnchoring
{
    public static PoolSeries ToHeap(PoolSeries series, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(pools);
        if (!series.LevelsAreLowerBounds || pools.Count == 0)
        {
            return series;
        }

        var busy = pools.All(p => p.Busy is not null) ? pools.Sum(p => p.Busy!.Value) : (int?)null;
        var idle = pools.All(p => p.Idle is not null) ? pools.Sum(p => p.Idle!.Value) : (int?)null;
        var usedShift = Shift(series.Samples.LastOrDefault(s => s.Used is not null)?.Used, busy);
        var idleShift = Shift(series.Samples.LastOrDefault(s => s.Idle is not null)?.Idle, idle);
        if (usedShift is null && idleShift is null)
        {
            return series;
        }

        return series with
        {
            LevelsAreLowerBounds = usedShift is null || idleShift is null,
            Samples = series.Samples.Select(s => s with
            {
                Used = s.Used + (usedShift ?? 0),
                Idle = s.Idle + (idleShift ?? 0),
            }).ToList(),
        };
    }

    /// <summary>Lower bounds only ever move up: a heap count below the bound (taken a moment later) leaves it alone.</summary>
    private static double? Shift(double? last, int? heap) =>
        last is { } l && heap is { } h ? Math.Max(0, h - l) : null;
}
