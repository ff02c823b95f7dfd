namespace DbDoctor.Drivers;

/// <summary>
/// Npgsql's EventSource counters and meter instruments, and what each says about a pool. The names changed in Npgsql 10
/// (OpenTelemetry's stable database conventions); <see cref="Npgsql8"/> and <see cref="Npgsql10"/> are the two
/// generations, measured against 8.0.9, 9.0.5 (one naming) and 10.0.0, 10.0.3 (the other).
/// </summary>
internal sealed class NpgsqlTelemetry : DriverTelemetry
{
    private const string CommandsPerSecondCounter = "commands-per-second";

    /// <summary>Npgsql 10: `db.client.connection.*` tagged `db.client.connection.pool.name`; counters `idle-connections-&lt;pool&gt;`.</summary>
    public static readonly NpgsqlTelemetry Npgsql10 = new(
        poolNameTag: "db.client.connection.pool.name",
        stateTag: "db.client.connection.state",
        new Dictionary<string, PoolMeasure>(StringComparer.Ordinal)
        {
            // Observable up-down counter: absolute per state (used|idle) even when attaching late; resolved by state below.
            ["db.client.connection.count"] = PoolMeasure.Used,
            ["db.client.connection.max"] = PoolMeasure.Max,

            // Plain up-down counter: the runtime reports the change since the session began, not the level.
            ["db.client.connection.npgsql.pending_requests"] = PoolMeasure.PendingChange,

            // Counter: its `value` is cumulative since the session began.
            ["db.client.connection.npgsql.timeouts"] = PoolMeasure.Timeouts,
            ["db.client.operation.failed"] = PoolMeasure.FailedOperations,

            // Histograms: their per-interval count is the number of connections opened / commands run.
            ["db.client.connection.npgsql.create_time"] = PoolMeasure.ConnectionsCreated,
            ["db.client.operation.duration"] = PoolMeasure.Operations,
        },
        PrefixedCounter("idle-connections-"),
        PrefixedCounter("busy-connections-"));

    /// <summary>
    /// Npgsql 8 and 9: `db.client.connections.*` tagged `pool.name` and `state` (the experimental conventions); the
    /// per-pool counters are `Idle Connections (&lt;connection string&gt;])` and `Busy Connections (…)`, published only
    /// for pools the driver manages (PoolManager), not for data sources the application built.
    /// </summary>
    public static readonly NpgsqlTelemetry Npgsql8 = new(
        poolNameTag: "pool.name",
        stateTag: "state",
        new Dictionary<string, PoolMeasure>(StringComparer.Ordinal)
        {
            // Observable up-down counter (measured: absolute levels when attaching late).
            ["db.client.connections.usage"] = PoolMeasure.Used,
            ["db.client.connections.max"] = PoolMeasure.Max,
            ["db.client.connections.pending_requests"] = PoolMeasure.PendingChange,
            ["db.client.connections.timeouts"] = PoolMeasure.Timeouts,
            ["db.client.commands.failed"] = PoolMeasure.FailedOperations,
            ["db.client.connections.create_time"] = PoolMeasure.ConnectionsCreated,
            ["db.client.commands.duration"] = PoolMeasure.Operations,
        },
        ParenthesizedCounter("Idle Connections ("),
        ParenthesizedCounter("Busy Connections ("));

    private readonly string _poolNameTag;
    private readonly string _stateTag;
    private readonly Dictionary<string, PoolMeasure> _instruments;
    private readonly Func<string, string?> _idleCounterPool;
    private readonly Func<string, string?> _busyCounterPool;

    private NpgsqlTelemetry(
        string poolNameTag, string stateTag, Dictionary<string, PoolMeasure> instruments,
        Func<string, string?> idleCounterPool, Func<string, string?> busyCounterPool)
    {
        _poolNameTag = poolNameTag;
        _stateTag = stateTag;
        _instruments = instruments;
        _idleCounterPool = idleCounterPool;
        _busyCounterPool = busyCounterPool;
    }

    public override IReadOnlyList<string> EventSources { get; } = ["Npgsql"];

    public override IReadOnlyList<string> Meters { get; } = ["Npgsql"];

    public override PoolReading? ReadInstrument(string instrument, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!_instruments.TryGetValue(instrument, out var measure) || !tags.TryGetValue(_poolNameTag, out var pool))
        {
            return null;
        }

        if (measure == PoolMeasure.Used)
        {
            tags.TryGetValue(_stateTag, out var state);
            return state switch
            {
                "used" => new PoolReading(pool, PoolMeasure.Used),
                "idle" => new PoolReading(pool, PoolMeasure.Idle),
                _ => null,
            };
        }

        return new PoolReading(pool, measure);
    }

    public override PoolReading? ReadCounter(string counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        if (_idleCounterPool(counter) is { } idlePool)
        {
            return new PoolReading(idlePool, PoolMeasure.CounterIdle);
        }

        if (_busyCounterPool(counter) is { } busyPool)
        {
            return new PoolReading(busyPool, PoolMeasure.CounterBusy);
        }

        return counter == CommandsPerSecondCounter ? new PoolReading(null, PoolMeasure.CommandsPerSecond) : null;
    }

    public override string ProcessCounterKey(string eventSource, string counter) => "npgsql." + counter;

    /// <summary>"idle-connections-&lt;pool&gt;" → the pool.</summary>
    private static Func<string, string?> PrefixedCounter(string prefix) =>
        counter => counter.StartsWith(prefix, StringComparison.Ordinal) ? counter[prefix.Length..] : null;

    /// <summary>"Idle Connections (&lt;connection string&gt;])" → the connection string (Npgsql 8/9 print a stray ']').</summary>
    private static Func<string, string?> ParenthesizedCounter(string prefix) => counter =>
    {
        if (!counter.StartsWith(prefix, StringComparison.Ordinal) || !counter.EndsWith(')'))
        {
            return null;
        }

        var pool = counter[prefix.Length..^1];
        return pool.EndsWith(']') ? pool[..^1] : pool;
    };
}
