using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry;

/// <summary>
/// Turns metric and EventCounter values into one time series per pool. Metrics are the primary source; the
/// EventCounters fill what the metrics did not report (older Npgsql, or the meter not yet publishing).
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

    /// <summary>One Npgsql meter reading. <paramref name="time"/> is the start of the metrics batch it came in.</summary>
    public void AddNpgsqlMetric(string instrument, string tags, double? value, double? histogramCount, double time)
    {
        var parsed = MetricTags.Parse(tags);
        if (!parsed.TryGetValue(NpgsqlTelemetry.PoolNameTag, out var poolName))
        {
            return;
        }

        var pool = Pool(NpgsqlTelemetry.Driver, poolName);
        var sample = pool.SampleAt(time);
        SamplesSeen++;
        switch (instrument)
        {
            case NpgsqlTelemetry.ConnectionCount:
                parsed.TryGetValue(NpgsqlTelemetry.StateTag, out var state);
                if (state == "used")
                {
                    sample.Used = value;
                }
                else if (state == "idle")
                {
                    sample.Idle = value;
                }

                break;
            case NpgsqlTelemetry.ConnectionMax:
                sample.Max = value;
                break;
            case NpgsqlTelemetry.PendingRequests:
                sample.PendingDelta = Sum(sample.PendingDelta, value);
                break;
            case NpgsqlTelemetry.Timeouts:
                sample.Timeouts = Sum(sample.Timeouts, value);
                break;
            case NpgsqlTelemetry.OperationFailed:
                sample.FailedOperations = Sum(sample.FailedOperations, value);
                break;
            case NpgsqlTelemetry.CreateTime:
                sample.CreatedInInterval = Sum(sample.CreatedInInterval, histogramCount);
                break;
            case NpgsqlTelemetry.OperationDuration:
                sample.OperationsInInterval = Sum(sample.OperationsInInterval, histogramCount);
                break;
        }
    }

    /// <summary>One Npgsql EventCounter reading (idle-/busy-connections-&lt;pool&gt;, commands-per-second).</summary>
    public void AddNpgsqlCounter(EventCounterValue counter, double time)
    {
        if (counter.Name.StartsWith(NpgsqlTelemetry.IdleConnectionsCounterPrefix, StringComparison.Ordinal))
        {
            var sample = Pool(NpgsqlTelemetry.Driver, counter.Name[NpgsqlTelemetry.IdleConnectionsCounterPrefix.Length..]).SampleAt(time);
            sample.CounterIdle = counter.Value;
            SamplesSeen++;
        }
        else if (counter.Name.StartsWith(NpgsqlTelemetry.BusyConnectionsCounterPrefix, StringComparison.Ordinal))
        {
            var sample = Pool(NpgsqlTelemetry.Driver, counter.Name[NpgsqlTelemetry.BusyConnectionsCounterPrefix.Length..]).SampleAt(time);
            sample.CounterBusy = counter.Value;
            SamplesSeen++;
        }
        else if (counter.Name == NpgsqlTelemetry.CommandsPerSecondCounter && _pools.Count == 1)
        {
            // Global, not per pool: it can only stand in for a pool's rate when there is a single pool.
            _pools.Values.Single().SampleAt(time).CounterCommandsPerSecond = counter.Value;
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
            var minPending = samples.Where(s => s.PendingDelta is not null).Select(s => s.PendingDelta!.Value).DefaultIfEmpty(0).Min();
            var pendingBaseline = Math.Min(0, minPending);
            if (pendingBaseline < 0)
            {
                warnings.Add($"Pending requests of pool '{pool.Name}' were already queued when the session started; values are lower bounds.");
            }

            double? timeouts = null, failed = null, created = null;
            var sawOperations = false;
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
                    Used = s.Used ?? s.CounterBusy,
                    Idle = s.Idle ?? s.CounterIdle,
                    Max = s.Max,
                    PendingRequests = s.PendingDelta - pendingBaseline,
                    Timeouts = timeouts,
                    ConnectionsCreated = created,
                    OperationsPerSecond = opsPerSecond,
                    FailedOperations = failed,
                });
            }

            result.Add(new PoolSeries { Driver = pool.Driver, Name = pool.Name, Samples = output });
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
        public double? Used, Idle, Max, PendingDelta, Timeouts, FailedOperations, CreatedInInterval, OperationsInInterval;
        public double? CounterIdle, CounterBusy, CounterCommandsPerSecond;
    }
}
