namespace DbDoctor.Drivers;

/// <summary>
/// Npgsql's EventSource counters and meter instruments (measured against Npgsql 10.0.0), and what each says about a pool.
/// </summary>
internal sealed class NpgsqlTelemetry : DriverTelemetry
{
    private const string PoolNameTag = "db.client.connection.pool.name";
    private const string StateTag = "db.client.connection.state";

    private const string IdleConnectionsCounterPrefix = "idle-connections-";
    private const string BusyConnectionsCounterPrefix = "busy-connections-";
    private const string CommandsPerSecondCounter = "commands-per-second";

    private static readonly Dictionary<string, PoolMeasure> Instruments = new(StringComparer.Ordinal)
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
    };

    public override IReadOnlyList<string> EventSources { get; } = ["Npgsql"];

    public override IReadOnlyList<string> Meters { get; } = ["Npgsql"];

    public override PoolReading? ReadInstrument(string instrument, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!Instruments.TryGetValue(instrument, out var measure) || !tags.TryGetValue(PoolNameTag, out var pool))
        {
            return null;
        }

        if (measure == PoolMeasure.Used)
        {
            tags.TryGetValue(StateTag, out var state);
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
        if (counter.StartsWith(IdleConnectionsCounterPrefix, StringComparison.Ordinal))
        {
            return new PoolReading(counter[IdleConnectionsCounterPrefix.Length..], PoolMeasure.CounterIdle);
        }

        if (counter.StartsWith(BusyConnectionsCounterPrefix, StringComparison.Ordinal))
        {
            return new PoolReading(counter[BusyConnectionsCounterPrefix.Length..], PoolMeasure.CounterBusy);
        }

        return counter == CommandsPerSecondCounter ? new PoolReading(null, PoolMeasure.CommandsPerSecond) : null;
    }

    public override string ProcessCounterKey(string eventSource, string counter) => "npgsql." + counter;
}
