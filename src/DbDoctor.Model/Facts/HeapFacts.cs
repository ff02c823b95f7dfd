namespace DbDoctor.Model.Facts;

/// <summary>
/// Everything the heap analysis learned about database objects in one snapshot.
/// Facts are plain data: the diagnosis rules turn them into findings without touching a process or dump.
/// Only live objects (reachable from some GC root) are ever listed: garbage is not a leak.
/// </summary>
public sealed record HeapFacts
{
    public required TargetInfo Target { get; init; }
    public IReadOnlyList<DriverInfo> Drivers { get; init; } = [];
    public IReadOnlyList<PoolFact> Pools { get; init; } = [];

    /// <summary>Physical connections (the driver's internal connection objects behind the pool), open ones only.</summary>
    public IReadOnlyList<ConnectionFact> Connections { get; init; } = [];

    /// <summary>Objects of drivers DbDoctor has no knowledge file for: counted and rooted through the ADO.NET base classes.</summary>
    public IReadOnlyList<GenericDbObjectFact> GenericObjects { get; init; } = [];

    public HeapStats Stats { get; init; } = new();

    /// <summary>Things the analysis could not read (an unexpected field layout, say), shown to the user as caveats.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record TargetInfo
{
    /// <summary>"dump" or "process".</summary>
    public required string Kind { get; init; }
    public string? Path { get; init; }
    public int? Pid { get; init; }
    public string? RuntimeVersion { get; init; }
}

public sealed record DriverInfo(string Name, string? Version)
{
    /// <summary>The versions of the knowledge family the driver was read with, e.g. "8.0–9.0"; null for the generic fallback.</summary>
    public string? Family { get; init; }

    /// <summary>Whether the target's version is one the test matrix verified that family on; null for the generic fallback.</summary>
    public bool? Verified { get; init; }
}

public sealed record HeapStats
{
    public long ObjectsMarkedLive { get; init; }
    public long HeapBytes { get; init; }
    public TimeSpan AnalysisTime { get; init; }

    /// <summary>Heap segments in the dump, and those left out because the dump does not hold their memory.</summary>
    public int Segments { get; init; }
    public int UnreadableSegments { get; init; }

    /// <summary>References the walk followed to something that is not a readable object (corrupt memory, a missing segment).</summary>
    public long UnreadableObjects { get; init; }
}

/// <summary>Who keeps an object alive, as classified by the heap analysis.</summary>
public static class RetainerKinds
{
    /// <summary>A path from an application root (a stack frame, an application static, an application timer...) reaches it.</summary>
    public const string Application = "application";

    /// <summary>A timer whose callback belongs to the driver (pool pruning, cleanup) references it.</summary>
    public const string Timer = "timer";

    /// <summary>Prefix: a driver's static registry holds it, e.g. "static:Vendor.PoolManager.Pools".</summary>
    public const string StaticPrefix = "static:";
}

public sealed record PoolFact
{
    public required string Driver { get; init; }
    public required ulong Address { get; init; }
    public required string TypeName { get; init; }

    /// <summary>Display name: the pool's name when it has one, else its connection string, password removed.</summary>
    public required string Name { get; init; }

    /// <summary>Connection string with secrets removed (never the raw one).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>
    /// True when the driver created this pool by itself for a connection string (a pool manager's or pool group's
    /// static registry): global by design, never a leaked pool. False for a data source the application built.
    /// </summary>
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

    /// <summary>Database endpoint, for matching sockets (host may be null for embedded databases).</summary>
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Database { get; init; }

    /// <summary>"application", "timer", "static:&lt;Type.field&gt;" (see <see cref="RetainerKinds"/>).</summary>
    public IReadOnlyList<string> RetainedBy { get; init; } = [];

    /// <summary>When the application reaches the pool: what holds it (a static field, an async method, a type).</summary>
    public string? Holder { get; init; }
    public IReadOnlyList<string> RootPath { get; init; } = [];

    /// <summary>Leftovers that still point at an orphaned pool but hold nothing (a finished async method's frame).</summary>
    public IReadOnlyList<string> Leftovers { get; init; } = [];
}

/// <summary>A physical database connection that is open (or broken but still in a pool).</summary>
public sealed record ConnectionFact
{
    public required string Driver { get; init; }
    public required ulong Address { get; init; }
    public required string TypeName { get; init; }
    public ulong? PoolAddress { get; init; }

    /// <summary>The driver's own state name, e.g. an idle, executing or broken state.</summary>
    public string? State { get; init; }

    /// <summary>Checked out of its pool (busy). Idle connections are listed only when broken or <see cref="Recovered"/>.</summary>
    public bool CheckedOut { get; init; }

    /// <summary>
    /// Idle in its pool again, yet its server session still has a transaction open: the driver took the slot back from
    /// a connection the GC collected (a driver's leaked-session recovery), and the server keeps the transaction and
    /// its locks until the session is reset on its next use or closed.
    /// </summary>
    public bool Recovered { get; init; }

    /// <summary>
    /// A command is running on it at the moment of the snapshot (executing, or its results being read), from the
    /// driver's own state: in ordinary use by whatever runs that command.
    /// </summary>
    public bool InFlight { get; init; }
    public bool Broken { get; init; }

    /// <summary>The application-facing connection object (the driver's DbConnection subclass), when still alive.</summary>
    public ObjectRef? OuterConnection { get; init; }
    public TransactionFact? Transaction { get; init; }
    public ReaderFact? Reader { get; init; }

    /// <summary>Held: an application root reaches the connection, its transaction or its reader. Orphaned: only the driver does.</summary>
    public bool Held { get; init; }
    public string? Holder { get; init; }
    public IReadOnlyList<string> RootPath { get; init; } = [];

    /// <summary>What the holder is doing now, innermost first: an async holder's await chain, or the holding thread's stack.</summary>
    public IReadOnlyList<string> HolderStack { get; init; } = [];

    /// <summary>The SQL last running on it, truncated.</summary>
    public string? Sql { get; init; }

    /// <summary>The server's process id for the session (as the server lists its sessions), when the driver has it.</summary>
    public int? ServerPid { get; init; }
}

public sealed record ObjectRef(string TypeName, ulong Address);

public sealed record TransactionFact
{
    public required string TypeName { get; init; }

    /// <summary>The transaction object when it is still alive; 0 when only the server-side state shows it.</summary>
    public ulong Address { get; init; }

    /// <summary>Still open (begun, neither committed nor rolled back), from the driver's own state.</summary>
    public bool Open { get; init; }

    /// <summary>Driver state text, e.g. "in transaction".</summary>
    public string? State { get; init; }
}

public sealed record ReaderFact
{
    public required string TypeName { get; init; }
    public ulong Address { get; init; }
    public bool Open { get; init; }
    public string? State { get; init; }
}

/// <summary>An ADO.NET object of a driver without a knowledge file.</summary>
public sealed record GenericDbObjectFact
{
    /// <summary>The assembly the type comes from, used as the driver name.</summary>
    public required string Driver { get; init; }

    /// <summary>"connection", "reader", "transaction" or "data-source".</summary>
    public required string Kind { get; init; }
    public required string TypeName { get; init; }
    public required ulong Address { get; init; }
    public bool Held { get; init; }
    public string? Holder { get; init; }
    public IReadOnlyList<string> RootPath { get; init; } = [];
}
