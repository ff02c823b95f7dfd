using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry;

/// <summary>
/// Turns metric and EventCounter values into one time series per pool. Metrics are the primary source; the
/// EventCounters fill what the metrics did not report (an older driver, or the meter not yet publishing). What each
/// reading measures comes from the driver's profile (<see cref="DriverTelemetry"/>).
/// Pool names are redacted on the way in, so the same pool seen by both sources lands in one series.
/// </summary>
public sealed class PoolSeriesBuilder
{
    /// <summary>Two readings closer than this belong to the same sample (metrics and counters tick ~20 ms apart).</summary>
    private const double SameSampleSeconds = 0.5;

    private readonly Dictionary<string, PoolState> _pools = new(StringComparer.Ordinal);
    private readonly double _refreshSeconds;

    public PoolSeriesBuilder(double refreshSeconds = 1) => _refreshSeconds = refreshSeconds;

    public int SamplesSeen { get; private set; }

    /// <summary>Latest used/max of the fullest pool (highest used/max, or highest used when max is unknown).</summary>
    public (double? Used, double? Max) Fullest()
    {
        MutableSample? fullest = null;
        foreach (var pool in _pools.Values)
        {
            if (pool.Samples.Count > 0 && Fill(pool.Samples.Values[^1]) > Fill(fullest))
            {
                fullest = pool.Samples.Values[^1];
            }
        }

        return (fullest?.Used ?? fullest?.CounterBusy, fullest?.Max);

        static double Fill(MutableSample? s) => s is null ? -1
            : (s.Used ?? s.CounterBusy ?? 0) / (s.Max is > 0 ? s.Max.Value : 1_000_000);
    }

    /// <summary>
    /// One meter instrument reading of <paramref name="driver"/>. <paramref name="time"/> is the start of the metrics
    /// batch it came in; histograms give their per-interval count, the other instruments their value.
    /// </summary>
    public void AddMetric(string driver, DriverTelemetry telemetry, string instrument, string tags, double? value, double? histogramCount, double time)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        if (telemetry.ReadInstrument(instrument, MetricTags.Parse(tags)) is not { Pool: { } pool } reading)
        {
            return;
        }

        SamplesSeen++;
        Record(Pool(driver, pool).SampleAt(time), reading.Measure, reading.IsHistogramCount ? histogramCount : value);
    }

    /// <summary>One EventCounter reading of <paramref name="driver"/>.</summary>
    public void AddCounter(string driver, DriverTelemetry telemetry, EventCounterValue counter, double time)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(counter);
        if (telemetry.ReadCounter(counter.Name) is not { } reading)
        {
            return;
        }

        if (reading.Pool is { } pool)
        {
            SamplesSeen++;
            Record(Pool(driver, pool).SampleAt(time), reading.Measure, counter.Value);
        }
        else if (_pools.Count == 1)
        {
            // Global, not per pool: it can only stand in for a pool's rate when there is a single pool.
            Record(_pools.Values.Single().SampleAt(time), reading.Measure, counter.Value);
        }
    }

    private static void Record(MutableSample sample, PoolMeasure measure, double? value)
    {
        switch (measure)
        {
            case PoolMeasure.Used:
                sample.Used = value;
                break;
            case PoolMeasure.Idle:
                sample.Idle = value;
                break;
            case PoolMeasure.Max:
                sample.Max = value;
                break;
            case PoolMeasure.Min:
                sample.Min = value;
                break;
            case PoolMeasure.UsedChange:
                sample.UsedDelta = Sum(sample.UsedDelta, value);
                break;
            case PoolMeasure.IdleChange:
                sample.IdleDelta = Sum(sample.IdleDelta, value);
                break;
            case PoolMeasure.PendingChange:
                sample.PendingDelta = Sum(sample.PendingDelta, value);
                break;
            case PoolMeasure.Timeouts:
                sample.Timeouts = Sum(sample.Timeouts, value);
                break;
            case PoolMeasure.FailedOperations:
                sample.FailedOperations = Sum(sample.FailedOperations, value);
                break;
            case PoolMeasure.ConnectionsCreated:
                sample.CreatedInInterval = Sum(sample.CreatedInInterval, value);
                break;
            case PoolMeasure.Operations:
                sample.OperationsInInterval = Sum(sample.OperationsInInterval, value);
                break;
            case PoolMeasure.CounterBusy:
                sample.CounterBusy = value;
                break;
            case PoolMeasure.CounterIdle:
                sample.CounterIdle = value;
                break;
            case PoolMeasure.CommandsPerSecond:
                sample.CounterCommandsPerSecond = value;
                break;
        }
    }

    /// <summary>
    /// Forgets samples more than <paramref name="keepSeconds"/> older than the newest one, and pools with none left:
    /// a session that runs for days keeps a bounded window, not a growing list.
    /// </summary>
    public void Trim(double keepSeconds)
    {
        var newest = _pools.Values.Where(p => p.Samples.Count > 0).Select(p => p.Samples.Keys[^1]).DefaultIfEmpty(0).Max();
        var before = newest - keepSeconds;
        foreach (var (key, pool) in _pools.ToList())
        {
            while (pool.Samples.Count > 0 && pool.Samples.Keys[0] < before)
            {
                pool.Forget(pool.Samples.Values[0]);
                pool.Samples.RemoveAt(0);
            }

            if (pool.Samples.Count == 0)
            {
                _pools.Remove(key);
            }
        }
    }

    public IReadOnlyList<PoolSeries> Build(List<string> warnings)
    {
        var result = new List<PoolSeries>();
        foreach (var pool in _pools.Values)
        {
            var samples = pool.Samples.Values.ToList();

            // The pending up-down counter reports change since attach; the level at attach is unknown but never
            // negative, so level >= reported - min(reported): a lower bound that is exact once the queue drains.
            var minPending = samples.Where(s => s.PendingDelta is not null).Select(s => s.PendingDelta!.Value)
                .Append(pool.ForgottenMinPending).Min();
            var pendingBaseline = Math.Min(0, minPending);
            if (pendingBaseline < 0)
            {
                warnings.Add($"Pending requests of pool '{pool.Name}' were already queued when the session started; values are lower bounds.");
            }

            // Used/idle reported as changes since the session began: the same lower bound as pending requests. The
            // diagnosis anchors them to the heap's count of the pool when a snapshot follows the window.
            var usedBaseline = Math.Min(0, samples.Where(s => s.UsedDelta is not null).Select(s => s.UsedDelta!.Value).Append(pool.ForgottenMinUsed).Min());
            var idleBaseline = Math.Min(0, samples.Where(s => s.IdleDelta is not null).Select(s => s.IdleDelta!.Value).Append(pool.ForgottenMinIdle).Min());
            var relativeLevels = pool.ForgottenRelativeLevels || samples.Any(s => s.UsedDelta is not null || s.IdleDelta is not null);

            double? timeouts = pool.ForgottenTimeouts, failed = pool.ForgottenFailed, created = pool.ForgottenCreated;
            var sawOperations = pool.ForgottenSawOperations;
            var output = new List<PoolSample>();
            foreach (var s in samples)
            {
                // Counters are only published after their first increment: before that, "not reported" stays null;
                // after it, an interval without a reading means "no change".
                timeouts = s.Timeouts ?? timeouts;
                failed = s.FailedOperations ?? failed;
                if (s.CreatedInInterval is not null)
                {
                    created = (created ?? 0) + s.CreatedInInterval;
                }

                sawOperations |= s.OperationsInInterval is not null;
                var opsPerSecond = s.OperationsInInterval / _refreshSeconds
                    ?? s.CounterCommandsPerSecond
                    ?? (sawOperations ? 0 : null);
                output.Add(new PoolSample
                {
                    Time = Math.Round(s.Time, 2),
                    Used = s.Used ?? s.CounterBusy ?? (s.UsedDelta - usedBaseline),
                    Idle = s.Idle ?? s.CounterIdle ?? (s.IdleDelta - idleBaseline),
                    Max = s.Max,
                    Min = s.Min,
                    PendingRequests = s.PendingDelta - pendingBaseline,
                    Timeouts = timeouts,
                    ConnectionsCreated = created,
                    OperationsPerSecond = opsPerSecond,
                    FailedOperations = failed,
                });
            }

            result.Add(new PoolSeries
            {
                Driver = pool.Driver,
                Name = pool.Name,
                Samples = output,
                LevelsAreLowerBounds = relativeLevels && samples.All(s => s.Used is null && s.Idle is null),
            });
        }

        return result;
    }

    private PoolState Pool(string driver, string rawName)
    {
        var name = ConnectionStrings.Redact(rawName);
        var key = driver + "\n" + name;
        if (!_pools.TryGetValue(key, out var pool))
        {
            pool = new PoolState(driver, name);
            _pools[key] = pool;
        }

        return pool;
    }

    private static double? Sum(double? a, double? b) => a is null ? b : b is null ? a : a + b;

    private sealed class PoolState(string driver, string name)
    {
        public string Driver { get; } = driver;
        public string Name { get; } = name;
        public SortedList<double, MutableSample> Samples { get; } = new();

        // What trimmed samples leave behind: cumulative counts go on from where they were, and the pending baseline
        // (the lowest delta ever seen) does not move when its sample is forgotten.
        public double ForgottenMinPending { get; private set; }
        public double ForgottenMinUsed { get; private set; }
        public double ForgottenMinIdle { get; private set; }
        public bool ForgottenRelativeLevels { get; private set; }
        public double? ForgottenTimeouts { get; private set; }
        public double? ForgottenFailed { get; private set; }
        public double? ForgottenCreated { get; private set; }
        public bool ForgottenSawOperations { get; private set; }

        public void Forget(MutableSample s)
        {
            ForgottenMinPending = Math.Min(ForgottenMinPending, s.PendingDelta ?? 0);
            ForgottenMinUsed = Math.Min(ForgottenMinUsed, s.UsedDelta ?? 0);
            ForgottenMinIdle = Math.Min(ForgottenMinIdle, s.IdleDelta ?? 0);
            ForgottenRelativeLevels |= s.UsedDelta is not null || s.IdleDelta is not null;
            ForgottenTimeouts = s.Timeouts ?? ForgottenTimeouts;
            ForgottenFailed = s.FailedOperations ?? ForgottenFailed;
            if (s.CreatedInInterval is not null)
            {
                ForgottenCreated = (ForgottenCreated ?? 0) + s.CreatedInInterval;
            }

            ForgottenSawOperations |= s.OperationsInInterval is not null;
        }

        public MutableSample SampleAt(double time)
        {
            foreach (var (t, sample) in Samples.Reverse())
            {
                if (Math.Abs(t - time) < SameSampleSeconds)
                {
                    return sample;
                }

                if (t < time - SameSampleSeconds)
                {
                    break;
                }
            }

            var created = new MutableSample { Time = time };
            Samples[time] = created;
            return created;
        }
    }

    private sealed class MutableSample
    {
        public double Time;
        public double? Used, Idle, Max, Min, UsedDelta, IdleDelta, PendingDelta, Timeouts, FailedOperations, CreatedInInterval, OperationsInInterval;
        public double? CounterIdle, CounterBusy, CounterCommandsPerSecond;
    }
}
