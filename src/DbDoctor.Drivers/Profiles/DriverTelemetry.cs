namespace DbDoctor.Drivers;

/// <summary>What one reading of a driver's meter instrument or EventCounter says about a pool.</summary>
public enum PoolMeasure
{
    /// <summary>Connections checked out (an absolute level).</summary>
    Used,

    /// <summary>Connections idle in the pool (an absolute level).</summary>
    Idle,

    Max,

    /// <summary>The pool's minimum size.</summary>
    Min,

    /// <summary>Change in connections checked out / idle since the session began (a plain up-down counter).</summary>
    UsedChange,
    IdleChange,

    /// <summary>Change in waiting requests since the session began (an up-down counter read as a rate).</summary>
    PendingChange,

    /// <summary>Waits for a connection that timed out, cumulative since the session began.</summary>
    Timeouts,

    /// <summary>Failed operations, cumulative since the session began.</summary>
    FailedOperations,

    /// <summary>Physical connections opened in the interval (a histogram's count).</summary>
    ConnectionsCreated,

    /// <summary>Commands run in the interval (a histogram's count).</summary>
    Operations,

    /// <summary>The EventCounter twins of Used and Idle, used where the meter said nothing.</summary>
    CounterBusy,
    CounterIdle,

    /// <summary>Commands per second of the whole process (not per pool).</summary>
    CommandsPerSecond,
}

/// <summary>A pool reading: which pool (null: process-wide) and what it measures.</summary>
public readonly record struct PoolReading(string? Pool, PoolMeasure Measure)
{
    /// <summary>Measures carried by a histogram's per-interval count rather than by a value.</summary>
    public bool IsHistogramCount => Measure is PoolMeasure.ConnectionsCreated or PoolMeasure.Operations;
}

/// <summary>
/// The telemetry a driver (one version family of it) publishes: its EventSources and meters, and how each instrument
/// or counter maps onto the pool sample. The base class publishes nothing (the generic fallback).
/// </summary>
public class DriverTelemetry
{
    /// <summary>EventSources whose counters to enable.</summary>
    public virtual IReadOnlyList<string> EventSources { get; } = [];

    /// <summary>Meters whose instruments to listen to.</summary>
    public virtual IReadOnlyList<string> Meters { get; } = [];

    /// <summary>Whether the driver publishes anything about its pools at all (an embedded driver may publish nothing).</summary>
    public bool PublishesPoolTelemetry => EventSources.Count > 0 || Meters.Count > 0;

    /// <summary>The pool reading of a meter instrument with its tags; null for an instrument that is not about a pool.</summary>
    public virtual PoolReading? ReadInstrument(string instrument, IReadOnlyDictionary<string, string> tags) => null;

    /// <summary>The pool reading of an EventCounter; null for a counter reported only as a process counter.</summary>
    public virtual PoolReading? ReadCounter(string counter) => null;

    /// <summary>Whether a counter is also kept among the process-wide counters of the report.</summary>
    public virtual bool IsProcessCounter(string counter) => ReadCounter(counter) is not { Pool: not null };

    /// <summary>The key a process-wide counter of this driver gets in the report, e.g. "vendor.commands-per-second".</summary>
    public virtual string ProcessCounterKey(string eventSource, string counter) => eventSource + "." + counter;
}
