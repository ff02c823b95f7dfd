namespace DbDoctor.Diagnosis;

/// <summary>Thresholds of the rules. Defaults are what the rules were tuned on; tests and the CLI may override them.</summary>
public sealed record DiagnosisOptions
{
    /// <summary>Driver-managed pools of one driver, sharing one connection-string shape, from which pool-sprawl is reported.</summary>
    public int PoolSprawlMinPools { get; init; } = 5;

    /// <summary>At most this many keys may vary between the pools' connection strings for them to count as one sprawl.</summary>
    public int PoolSprawlMaxVaryingKeys { get; init; } = 3;

    /// <summary>A telemetry leak rate below this (connections per minute) is treated as noise.</summary>
    public double MinLeakRatePerMinute { get; init; } = 0.5;

    /// <summary>Fewer samples than this (below the pool's max) give no leak rate: two points fit any line.</summary>
    public int MinSamplesForLeakRate { get; init; } = 3;

    /// <summary>Objects listed per finding; the count always covers all of them.</summary>
    public int MaxObjectsPerFinding { get; init; } = 20;

    /// <summary>Distinct values (backend pids, SQL texts, holders) spelled out in one evidence line.</summary>
    public int MaxValuesPerEvidenceLine { get; init; } = 8;

    /// <summary>Connection churn: physical connections created per operation from which churn is reported (1.0 = one per query).</summary>
    public double ChurnMinCreatesPerOperation { get; init; } = 0.05;

    /// <summary>Connection churn: creations (or closes) per second below this are normal pool turnover, whatever the ratio.</summary>
    public double ChurnMinCreatesPerSecond { get; init; } = 1;

    /// <summary>Connection churn from the OS alone: TIME-WAIT sockets to one database endpoint from which churn is reported.</summary>
    public int ChurnMinTimeWaitSockets { get; init; } = 200;

    /// <summary>Connection churn from the OS with a socket watch: client-side TIME-WAIT sockets proven the target's from which its churn is confirmed.</summary>
    public int ChurnMinTimeWaitByTarget { get; init; } = 3;

    /// <summary>Stale connections: distinct "server closed the session" failures from which the finding is an error, not a warning.</summary>
    public int StaleMinFailuresForError { get; init; } = 1;
}
