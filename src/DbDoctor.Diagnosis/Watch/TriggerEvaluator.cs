using System.Globalization;
using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Watch;

/// <summary>
/// Decides which triggers are true for a pool, from its samples alone: a pure function, so what makes
/// <c>dbdoctor watch</c> snapshot a target is tested on synthetic series. The latest sample is "now"; a trigger with a
/// hold must be true on every sample of the last HOLD seconds, and the series must reach back that far.
/// </summary>
public static class TriggerEvaluator
{
    /// <summary><c>timeouts</c> counts the timeouts of the last this many seconds (the cumulative count is since attach).</summary>
    public const double TimeoutWindowSeconds = 10;

    /// <summary>The leak rate is fitted to the recent past only: a pool that filled and drained long ago says nothing now.</summary>
    public const double LeakRateWindowSeconds = 120;

    /// <summary>
    /// A shorter fit is noise: a pool warming up at start climbs fast for a few seconds and then stays flat.
    /// </summary>
    public const double MinLeakRateSpanSeconds = 30;

    public static IReadOnlyList<TriggerFiring> Evaluate(IReadOnlyList<Trigger> triggers, PoolSeries series, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(options);
        var firings = new List<TriggerFiring>();
        if (series.Samples.Count == 0)
        {
            return firings;
        }

        foreach (var trigger in triggers)
        {
            if (Holds(trigger, series, options) is { } value)
            {
                firings.Add(new TriggerFiring(trigger, series.Driver, series.Name, Describe(trigger, value)));
            }
        }

        return firings;
    }

    /// <summary>The latest value when the trigger holds, else null.</summary>
    private static double? Holds(Trigger trigger, PoolSeries series, DiagnosisOptions options)
    {
        var samples = series.Samples;
        var now = samples[^1].Time;
        if (trigger.HoldSeconds > 0 && samples[0].Time > now - trigger.HoldSeconds)
        {
            return null; // not watched long enough to know the condition held that long
        }

        double? latest = null;
        for (var i = samples.Count - 1; i >= 0 && samples[i].Time >= now - trigger.HoldSeconds; i--)
        {
            if (ValueAt(trigger, series, i, options) is not { } value || !trigger.Compare(value))
            {
                return null;
            }

            latest ??= value;
        }

        return latest;
    }

    /// <summary>The trigger's measure at sample <paramref name="index"/>; null when the driver did not report it.</summary>
    public static double? ValueAt(Trigger trigger, PoolSeries series, int index, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(series);
        var sample = series.Samples[index];
        return trigger.Measure switch
        {
            TriggerMeasure.Used => OfMax(sample.Used, sample.Max ?? LastMax(series, index), trigger.PercentOfMax),
            TriggerMeasure.Idle => OfMax(sample.Idle, sample.Max ?? LastMax(series, index), trigger.PercentOfMax),
            TriggerMeasure.Pending => sample.PendingRequests,
            TriggerMeasure.Timeouts => RecentTimeouts(series, index),
            TriggerMeasure.LeakRate => RecentLeakRate(series, index, options) is { } rate ? rate.PerMinute : null,
            TriggerMeasure.Exhaustion => RecentLeakRate(series, index, options) is { } rate && rate.IsRising(options) ? rate.SecondsToExhaustion : null,
            _ => null,
        };
    }

    /// <summary>The leak rate fitted to the <see cref="LeakRateWindowSeconds"/> up to sample <paramref name="index"/>.</summary>
    public static LeakRate? RecentLeakRate(PoolSeries series, int index, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(series);
        var now = series.Samples[index].Time;
        var recent = series.Samples.Take(index + 1).Where(s => s.Time >= now - LeakRateWindowSeconds).ToList();
        if (recent.Count == 0 || now - recent[0].Time < MinLeakRateSpanSeconds)
        {
            return null;
        }

        var rate = LeakRateEstimator.Estimate(series with { Samples = recent }, options);
        return rate is { SpanSeconds: >= MinLeakRateSpanSeconds } ? rate : null;
    }

    private static double? OfMax(double? value, double? max, bool percent) =>
        !percent ? value : value is { } v && max is > 0 ? v / max.Value * 100 : null;

    private static double? LastMax(PoolSeries series, int index)
    {
        for (var i = index; i >= 0; i--)
        {
            if (series.Samples[i].Max is > 0)
            {
                return series.Samples[i].Max;
            }
        }

        return null;
    }

    /// <summary>
    /// Timeouts since the sample <see cref="TimeoutWindowSeconds"/> earlier; counted from zero when the session is younger
    /// (the driver's count starts when the session attaches). Unreported (the driver publishes after the first) is zero.
    /// </summary>
    private static double RecentTimeouts(PoolSeries series, int index)
    {
        var samples = series.Samples;
        var now = samples[index].Time;
        var current = CumulativeTimeouts(series, index);
        for (var i = index - 1; i >= 0; i--)
        {
            if (samples[i].Time <= now - TimeoutWindowSeconds)
            {
                return current - CumulativeTimeouts(series, i);
            }
        }

        return current;
    }

    private static double CumulativeTimeouts(PoolSeries series, int index)
    {
        for (var i = index; i >= 0; i--)
        {
            if (series.Samples[i].Timeouts is { } t)
            {
                return t;
            }
        }

        return 0;
    }

    private static string Describe(Trigger trigger, double value)
    {
        var shown = trigger.Measure switch
        {
            TriggerMeasure.Used or TriggerMeasure.Idle when trigger.PercentOfMax => $"{value:0}% of max",
            TriggerMeasure.Exhaustion => $"full in {value:0} s at the current leak rate",
            TriggerMeasure.LeakRate => $"{value:0.#}/min",
            TriggerMeasure.Timeouts => $"{value:0} in the last {TimeoutWindowSeconds:0} s",
            _ => value.ToString("0.##", CultureInfo.InvariantCulture),
        };
        var hold = trigger.HoldSeconds > 0 ? $" for {trigger.HoldSeconds:0.#} s" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{trigger.Text}: {trigger.Measure.ToString().ToLowerInvariant()} {shown}{hold}");
    }
}
