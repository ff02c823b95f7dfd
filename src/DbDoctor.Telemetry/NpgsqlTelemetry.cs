namespace DbDoctor.Telemetry;

/// <summary>
/// Everything Npgsql-specific that the live session reads: provider, meter, instrument and counter names
/// (measured against Npgsql 10.0.0). Other files must not spell these strings.
/// </summary>
internal static class NpgsqlTelemetry
{
    public const string Driver = "Npgsql";
    public const string EventSourceName = "Npgsql";
    public const string MeterName = "Npgsql";

    public const string PoolNameTag = "db.client.connection.pool.name";
    public const string StateTag = "db.client.connection.state";

    /// <summary>Observable up-down counter: absolute per state (used|idle) even when attaching late.</summary>
    public const string ConnectionCount = "db.client.connection.count";
    public const string ConnectionMax = "db.client.connection.max";

    /// <summary>Plain up-down counter: the runtime reports the change since the session began, not the level.</summary>
    public const string PendingRequests = "db.client.connection.npgsql.pending_requests";

    /// <summary>Counter: its `value` is cumulative since the session began.</summary>
    public const string Timeouts = "db.client.connection.npgsql.timeouts";

    /// <summary>Histogram: its per-interval count is the number of physical connections opened.</summary>
    public const string CreateTime = "db.client.connection.npgsql.create_time";

    /// <summary>Histogram: its per-interval count is the number of commands run.</summary>
    public const string OperationDuration = "db.client.operation.duration";
    public const string OperationFailed = "db.client.operation.failed";

    public const string IdleConnectionsCounterPrefix = "idle-connections-";
    public const string BusyConnectionsCounterPrefix = "busy-connections-";
    public const string CommandsPerSecondCounter = "commands-per-second";
}
