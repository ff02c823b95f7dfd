using DbDoctor.Model.Facts;

namespace DbDoctor.Model.Reports;

/// <summary>
/// The diagnosis, as every renderer sees it. Property names are the JSON contract "dbdoctor/report@1"
/// (camelCase when serialized): add fields freely, never rename or remove one.
/// </summary>
public sealed record Report
{
    public const string SchemaId = "dbdoctor/report@1";

    public string Schema { get; init; } = SchemaId;
    public required TargetInfo Target { get; init; }
    public IReadOnlyList<DriverInfo> Drivers { get; init; } = [];
    public IReadOnlyList<PoolReport> Pools { get; init; } = [];

    /// <summary>Most severe first.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];

    /// <summary>Present for "attach": the per-pool series and exception groups from the live session.</summary>
    public TelemetryReport? Telemetry { get; init; }

    /// <summary>How the snapshot went: object counts, analysis time, pause of the target.</summary>
    public SnapshotReport? Snapshot { get; init; }

    /// <summary>Present for "watch": the trigger that made dbdoctor take this snapshot.</summary>
    public TriggerReport? Trigger { get; init; }

    /// <summary>Caveats: what could not be read or checked.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// Why DbDoctor could not look (for example: the target exited before its heap could be read). Null when it
    /// could. Without a problem found, such a report is "no verdict", never "healthy".
    /// </summary>
    public string? Inconclusive { get; init; }
}

/// <summary>Why <c>dbdoctor watch</c> snapshotted the target: the first trigger that fired, and the others that fired with it.</summary>
public sealed record TriggerReport
{
    /// <summary>The condition as written (<c>used&gt;=90%:10s</c>).</summary>
    public required string Condition { get; init; }

    /// <summary>What was seen, in words (<c>used 100% of max for 10 s</c>).</summary>
    public required string Reason { get; init; }
    public required string Driver { get; init; }
    public required string Pool { get; init; }

    /// <summary>UTC, ISO 8601.</summary>
    public required string FiredAt { get; init; }

    /// <summary>Other conditions true at the same moment ("condition (pool)").</summary>
    public IReadOnlyList<string> AlsoFired { get; init; } = [];
}

public sealed record PoolReport
{
    public required string Driver { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required string Address { get; init; }
    public bool DriverManaged { get; init; }
    public bool Pooling { get; init; } = true;
    public int? Max { get; init; }
    public int? Min { get; init; }
    public double? IdleLifetimeSeconds { get; init; }
    public double? LifetimeSeconds { get; init; }
    public int? Total { get; init; }
    public int? Idle { get; init; }
    public int? Busy { get; init; }
    public bool Disposed { get; init; }
    public IReadOnlyList<string> RetainedBy { get; init; } = [];
    public string? Holder { get; init; }

    /// <summary>Busy connections the heap explains: how many are orphaned (leaked) and how many an application root holds.</summary>
    public int Orphaned { get; init; }
    public int Held { get; init; }
}

public sealed record Finding
{
    /// <summary>One of <see cref="FindingKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>One of <see cref="Severities"/>.</summary>
    public required string Severity { get; init; }
    public required string Driver { get; init; }
    public required int Count { get; init; }
    public required string Title { get; init; }
    public IReadOnlyList<string> Evidence { get; init; } = [];
    public required string Advice { get; init; }
    public IReadOnlyList<FindingObject> Objects { get; init; } = [];

    /// <summary>Name of the pool the finding is about, when it is about one.</summary>
    public string? Pool { get; init; }

    /// <summary>
    /// <c>attach --trace</c>: the objects grouped by the application frames of the operation that began them, largest
    /// first. Null when the report was not traced or the finding is not about connections.
    /// </summary>
    public IReadOnlyList<OriginGroup>? Origins { get; init; }
}

/// <summary>Objects of one finding that began in the same application code.</summary>
public sealed record OriginGroup
{
    /// <summary>Application frames, innermost first (empty: the operation's stack showed no application frame).</summary>
    public IReadOnlyList<string> Frames { get; init; } = [];
    public required int Count { get; init; }
}

/// <summary>The traced operation that began a connection's checkout or transaction (<c>attach --trace</c>).</summary>
public sealed record OriginReport
{
    /// <summary>One of <see cref="TracedOperations"/>: open, begin-transaction, execute-reader, execute.</summary>
    public required string Operation { get; init; }

    /// <summary>UTC, ISO 8601.</summary>
    public required string Time { get; init; }
    public string? Sql { get; init; }

    /// <summary>Application frames, innermost first ("Shop.Billing.Charge in Billing.cs:42" where PDBs were found).</summary>
    public IReadOnlyList<string> Frames { get; init; } = [];

    /// <summary>The whole stack, innermost first, driver, runtime and framework frames included.</summary>
    public IReadOnlyList<string> Stack { get; init; } = [];
}

public sealed record FindingObject
{
    public required string Type { get; init; }

    /// <summary>Hex address in the snapshot, e.g. "0x7f3a2c0105e8".</summary>
    public required string Address { get; init; }
    public string? Holder { get; init; }
    public IReadOnlyList<string> RootPath { get; init; } = [];

    /// <summary>For a held connection: what its holder is doing now, innermost first (an await chain, or a thread's stack).</summary>
    public IReadOnlyList<string> HolderStack { get; init; } = [];
    public string? Sql { get; init; }
    public int? ServerPid { get; init; }
    public string? State { get; init; }

    /// <summary><c>attach --trace</c>: the operation that began this connection's checkout or transaction; null when unknown.</summary>
    public OriginReport? Origin { get; init; }
}

public static class FindingKinds
{
    public const string LeakedTransaction = "leaked-transaction";
    public const string LeakedReader = "leaked-reader";
    public const string LeakedConnection = "leaked-connection";
    public const string LeakedPool = "leaked-pool";
    public const string PoolSprawl = "pool-sprawl";
    public const string HeldConnection = "held-connection";
    public const string PoolExhaustion = "pool-exhaustion";
    public const string ConnectionChurn = "connection-churn";
    public const string StaleConnection = "stale-connection";
    public const string UnknownDriver = "unknown-driver-objects";
}

public static class Severities
{
    public const string Error = "error";
    public const string Warning = "warning";
    public const string Info = "info";

    /// <summary>Sort key: lower is more severe.</summary>
    public static int Rank(string severity) => severity switch
    {
        Error => 0,
        Warning => 1,
        _ => 2,
    };
}

public sealed record SnapshotReport
{
    public long LiveObjects { get; init; }
    public long HeapBytes { get; init; }
    public double AnalysisSeconds { get; init; }

    /// <summary>For attach: how long the target was paused while its heap was written.</summary>
    public double? TargetPauseSeconds { get; init; }

    /// <summary>True when the pause could not be observed and <see cref="TargetPauseSeconds"/> is the whole write time, an upper bound.</summary>
    public bool TargetPauseIsUpperBound { get; init; }
    public string? DumpPath { get; init; }

    /// <summary>True when part of the heap could not be read (a damaged dump): no finding then does not mean healthy.</summary>
    public bool Incomplete { get; init; }
    public int UnreadableSegments { get; init; }
    public long UnreadableObjects { get; init; }
}

public sealed record TelemetryReport
{
    public double WindowSeconds { get; init; }
    public IReadOnlyList<PoolSeries> Pools { get; init; } = [];
    public IReadOnlyList<ExceptionGroup> Exceptions { get; init; } = [];
    public IReadOnlyDictionary<string, double> RuntimeCounters { get; init; } = new Dictionary<string, double>();

    /// <summary><c>attach --trace</c>: how many operations were traced and how many leaked/held objects got an origin.</summary>
    public TraceReport? Trace { get; init; }
}

public sealed record TraceReport
{
    public bool Enabled { get; init; } = true;

    /// <summary>When tracing began delivering events (UTC, ISO 8601): what began earlier has no origin.</summary>
    public string? StartedAt { get; init; }

    /// <summary>When the heap snapshot had been written (UTC): operations after it are not joined to the snapshot's objects.</summary>
    public string? SnapshotAt { get; init; }

    /// <summary>Driver operations traced during the window.</summary>
    public int Operations { get; init; }

    /// <summary>Listed objects of leak and held findings whose origin is known, and those whose origin is not.</summary>
    public int Attributed { get; init; }
    public int Unattributed { get; init; }
}
