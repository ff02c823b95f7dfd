using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Telemetry;

/// <summary>How fast a pool's used connections climb, and when it will run out at that pace.</summary>
public sealed record LeakRate
{
    public required double PerMinute { get; init; }
    public required int SamplesUsed { get; init; }
    public required double SpanSeconds { get; init; }
    public double? LastUsed { get; init; }
    public double? Max { get; init; }

    /// <summary>Seconds from the last sample until used reaches max at this rate; 0 when already there; null when unknown.</summary>
    public double? SecondsToExhaustion { get; init; }
    public bool AlreadyExhausted { get; init; }

    public bool IsRising(DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return PerMinute >= options.MinLeakRatePerMinute;
    }
}

/// <summary>
/// Least-squares slope of used connections over time. Samples at the pool's max are left out: a pool that is full
/// cannot grow, and counting the plateau would hide the rate that filled it.
/// </summary>
public static class LeakRateEstimator
{
    public static LeakRate? Estimate(PoolSeries series, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        var max = series.Samples.LastOrDefault(s => s.Max is > 0)?.Max;
        var points = series.Samples
            .Where(s => s.Used is not null && (max is null || s.Used < max))
            .Select(s => (X: s.Time, Y: s.Used!.Value))
            .ToList();
        if (points.Count < Math.Max(2, options.MinSamplesForLeakRate))
        {
            return null;
        }

        var span = points.Max(p => p.X) - points.Min(p => p.X);
        if (span <= 0)
        {
            return null;
        }

        var slopePerSecond = Slope(points);
        var lastUsed = series.Samples.LastOrDefault(s => s.Used is not null)?.Used;
        var exhausted = max is not null && lastUsed >= max;
        double? secondsLeft = exhausted ? 0
            : max is not null && lastUsed is not null && slopePerSecond > 0 ? (max.Value - lastUsed.Value) / slopePerSecond
            : null;

        return new LeakRate
        {
            PerMinute = slopePerSecond * 60,
            SamplesUsed = points.Count,
            SpanSeconds = span,
            LastUsed = lastUsed,
            Max = max,
            SecondsToExhaustion = secondsLeft,
            AlreadyExhausted = exhausted,
        };
    }

    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var covariance = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        var variance = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return variance == 0 ? 0 : covariance / variance;
    }
}
