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
/// Least-squares slope of used connections over time, fitted to what the samples say about connections that never
/// come back. Only samples from before the pool first reached its max count: a full pool cannot grow, and what it shows
/// after (the plateau, dips as waiting requests time out) would hide the rate that filled it. Used = leaked + in flight,
/// and in-flight load only ever adds to the leak, so the fit runs on the minimum of each three neighbouring samples:
/// measured under steady load (4 workers, one leak per second), a fit of every sample below the max read 37-59/min, this one 60-72/min.
/// A sliding minimum of stationary noise stays flat, so it does not make a healthy pool look like it is rising.
/// </summary>
public static class LeakRateEstimator
{
    public static LeakRate? Estimate(PoolSeries series, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        var max = series.Samples.LastOrDefault(s => s.Max is > 0)?.Max;
        var minimumCount = Math.Max(2, options.MinSamplesForLeakRate);
        var withUsed = series.Samples
            .Where(s => s.Used is not null)
            .Select(s => (X: s.Time, Y: s.Used!.Value))
            .ToList();
        var beforeFull = max is null ? withUsed : withUsed.TakeWhile(p => p.Y < max).ToList();
        // A pool that touched its max early (a burst of load) and kept leaking after: fall back to every sample below it.
        var points = beforeFull.Count >= minimumCount ? beforeFull : withUsed.Where(p => max is null || p.Y < max).ToList();
        if (points.Count < minimumCount)
        {
            return null;
        }

        var span = points.Max(p => p.X) - points.Min(p => p.X);
        if (span <= 0)
        {
            return null;
        }

        var slopePerSecond = Slope(points.Count >= MinimumWindow + 2 ? SlidingMinimum(points) : points);
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

    /// <summary>Neighbouring samples per sliding minimum.</summary>
    private const int MinimumWindow = 3;

    /// <summary>The minimum of each run of <see cref="MinimumWindow"/> samples, at the time of the run's middle sample.</summary>
    public static IReadOnlyList<(double X, double Y)> SlidingMinimum(IReadOnlyList<(double X, double Y)> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var minima = new List<(double X, double Y)>();
        for (var i = 0; i + MinimumWindow <= points.Count; i++)
        {
            var window = points.Skip(i).Take(MinimumWindow).ToList();
            minima.Add((window[MinimumWindow / 2].X, window.Min(p => p.Y)));
        }

        return minima;
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
