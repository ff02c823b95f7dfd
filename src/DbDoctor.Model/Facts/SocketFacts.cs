namespace DbDoctor.Model.Facts;

/// <summary>
/// The target's TCP sockets to its database endpoints, counted by state from /proc/&lt;pid&gt;/net/tcp and tcp6 at one
/// instant. TIME-WAIT sockets belong to no process any more, so they are matched by endpoint across the network
/// namespace; ESTABLISHED ones are also tied to the target through its socket file descriptors.
/// </summary>
public sealed record SocketFacts
{
    public required int Pid { get; init; }

    /// <summary>When the table was read.</summary>
    public required DateTimeOffset TakenAt { get; init; }

    /// <summary>How long Linux keeps a closed connection in TIME-WAIT (fixed at 60 s): TIME-WAIT count / this ≈ closes per second over the last minute.</summary>
    public double TimeWaitSeconds { get; init; } = 60;

    /// <summary>How long the target has been running, when known: a process younger than a minute closed its TIME-WAIT sockets within that time.</summary>
    public double? TargetUptimeSeconds { get; init; }

    /// <summary>The span the TIME-WAIT sockets were closed in: the TIME-WAIT length, or the target's age when shorter.</summary>
    public double ClosedWithinSeconds => TargetUptimeSeconds is double uptime && uptime > 0 && uptime < TimeWaitSeconds ? uptime : TimeWaitSeconds;

    /// <summary>How long the target's own sockets were sampled before this census (null: a single census, no watch).</summary>
    public double? WatchSeconds { get; init; }

    public IReadOnlyList<EndpointSockets> Endpoints { get; init; } = [];

    /// <summary>What could not be read (no /proc on this OS, an endpoint that did not resolve...).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Sockets to one database endpoint.</summary>
public sealed record EndpointSockets
{
    /// <summary>Host as the application names it (a name or an address).</summary>
    public required string Host { get; init; }
    public required int Port { get; init; }

    /// <summary>The addresses the host resolved to, as matched in the socket table.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>Where the endpoint came from: see <see cref="EndpointSources"/>.</summary>
    public required string Source { get; init; }

    /// <summary>ESTABLISHED sockets whose remote end is the endpoint (any process of the namespace).</summary>
    public int Established { get; init; }

    /// <summary>ESTABLISHED sockets the target itself owns (its socket file descriptors).</summary>
    public int EstablishedByTarget { get; init; }

    /// <summary>
    /// CLOSE-WAIT sockets the target owns: the server (or a device on the way) closed the connection and the target
    /// has not noticed yet. A pool holding these will hand out a dead connection: stale connections, seen from the OS.
    /// </summary>
    public int CloseWaitByTarget { get; init; }

    /// <summary>
    /// Connections to the endpoint the target opened while its sockets were watched: distinct local ports of its own
    /// ESTABLISHED sockets that were not there at the first sample. A lower bound (a connection opened and closed
    /// between two samples is missed), but one that belongs to the target, unlike TIME-WAIT. Null without a watch.
    /// </summary>
    public int? OpenedByTarget { get; init; }

    /// <summary>Client-side TIME-WAIT sockets whose local port the watch saw owned by the target: closes proven to be the target's.</summary>
    public int? TimeWaitByTarget { get; init; }

    /// <summary>TIME-WAIT on the client side (remote end = endpoint): the client closed first.</summary>
    public int TimeWait { get; init; }

    /// <summary>
    /// TIME-WAIT on the server side (local end = endpoint), seen only when the database runs in the same network
    /// namespace: the server closed first (some servers do after the client's goodbye message).
    /// </summary>
    public int ServerSideTimeWait { get; init; }

    /// <summary>Client-side counts of every state seen, keyed by state name ("ESTABLISHED", "TIME_WAIT", "CLOSE_WAIT"...).</summary>
    public IReadOnlyDictionary<string, int> ByState { get; init; } = new Dictionary<string, int>();

    /// <summary>Both sides' TIME-WAIT: every recently closed connection to the endpoint, whoever closed first.</summary>
    public int RecentlyClosed => TimeWait + ServerSideTimeWait;
}

public static class EndpointSources
{
    /// <summary>A pool (or unpooled data source) in the heap: PoolFact.Host/Port.</summary>
    public const string Pool = "pool";

    /// <summary>The connection string of a pool series in the live telemetry.</summary>
    public const string Telemetry = "telemetry";

    /// <summary>The --server connection string the user passed.</summary>
    public const string ServerOption = "server-option";

    /// <summary>An ESTABLISHED socket of the target to a well-known database port (the registered drivers' default ports).</summary>
    public const string TargetSocket = "target-socket";
}
