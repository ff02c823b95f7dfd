using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Telemetry;

/// <summary>The few numbers of a pool's series the rules talk about.</summary>
public sealed record SeriesSummary
{
    public double? LastUsed { get; init; }
    public double? PeakUsed { get; init; }
    public double? Max { get; init; }
    public double? LastIdle { get; init; }
    public double PeakPending { get; init; }

    /// <summary>Timeouts waiting for a connection during the window (the series counts from the session's start).</summary>
    public double Timeouts { get; init; }
    public double? FirstOperationsPerSecond { get; init; }
    public double? LastOperationsPerSecond { get; init; }
    public double? ConnectionsCreated { get; init; }

    /// <summary>Seconds since the session started at which used first reached max.</summary>
    public double? ReachedMaxAt { get; init; }

    public bool ReachedMax => ReachedMaxAt is not null;

    public static SeriesSummary Of(PoolSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var samples = series.Samples.OrderBy(s => s.Time).ToList();
        var max = samples.LastOrDefault(s => s.Max is > 0)?.Max;
        return new SeriesSummary
        {
            LastUsed = samples.LastOrDefault(s => s.Used is not null)?.Used,
            PeakUsed = samples.Select(s => s.Used).Max(),
            Max = max,
            LastIdle = samples.LastOrDefault(s => s.Idle is not null)?.Idle,
            PeakPending = samples.Select(s => s.PendingRequests ?? 0).DefaultIfEmpty(0).Max(),
            Timeouts = samples.LastOrDefault(s => s.Timeouts is not null)?.Timeouts ?? 0,
            FirstOperationsPerSecond = samples.FirstOrDefault(s => s.OperationsPerSecond is not null)?.OperationsPerSecond,
            LastOperationsPerSecond = samples.LastOrDefault(s => s.OperationsPerSecond is not null)?.OperationsPerSecond,
            ConnectionsCreated = samples.LastOrDefault(s => s.ConnectionsCreated is not null)?.ConnectionsCreated,
            ReachedMaxAt = max is null ? null : samples.FirstOrDefault(s => s.Used >= max)?.Time,
        };
    }
}
