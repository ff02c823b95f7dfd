namespace DbDoctor.Drivers;

/// <summary>
/// MySqlConnector's `MySqlConnector` meter (2.3 and later; names and tags read from its MetricsReporter and checked
/// against 2.4.0 and 2.6.2), and what each instrument says about a pool. It publishes no EventCounters.
/// </summary>
internal sealed class MySqlConnectorTelemetry : DriverTelemetry
{
    private const string PoolNameTag = "pool.name";
    private const string StateTag = "state";
    private const string UsageInstrument = "db.client.connections.usage";

    private static readonly Dictionary<string, PoolMeasure> Instruments = new(StringComparer.Ordinal)
    {
        // A plain up-down counter (not observable): the runtime reports the change since the session began, by state.
        [UsageInstrument] = PoolMeasure.UsedChange,

        // Observable up-down counters over every pool: absolute levels (MaximumPoolSize, MinimumPoolSize).
        ["db.client.connections.max"] = PoolMeasure.Max,
        ["db.client.connections.idle.min"] = PoolMeasure.Min,

        // A plain up-down counter too: requests waiting for a session, as a change since the session began.
        ["db.client.connections.pending_requests"] = PoolMeasure.PendingChange,

        // Counter: cumulative since the session began. Tagged with the pool name even when no pool exists yet.
        ["db.client.connections.timeouts"] = PoolMeasure.Timeouts,

        // Histograms: per-interval count. create_time counts physical connections opened; use_time counts leases
        // returned to the pool, one per unit of work (the driver has no per-command instrument). wait_time counts the
        // same leases from the other end and adds nothing the pool sample carries, so it is not read.
        ["db.client.connections.create_time"] = PoolMeasure.ConnectionsCreated,
        ["db.client.connections.use_time"] = PoolMeasure.Operations,
    };

    public override IReadOnlyList<string> Meters { get; } = ["MySqlConnector"];

    public override PoolReading? ReadInstrument(string instrument, IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (!Instruments.TryGetValue(instrument, out var measure) || !tags.TryGetValue(PoolNameTag, out var pool))
        {
            return null;
        }

        if (instrument == UsageInstrument)
        {
            tags.TryGetValue(StateTag, out var state);
            return state switch
            {
                "used" => new PoolReading(pool, PoolMeasure.UsedChange),
                "idle" => new PoolReading(pool, PoolMeasure.IdleChange),
                _ => null,
            };
        }

        return new PoolReading(pool, measure);
    }
}
