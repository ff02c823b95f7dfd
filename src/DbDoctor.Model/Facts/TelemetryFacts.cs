namespace DbDoctor.Model.Facts;

/// <summary>What a live EventPipe session saw during its window. Plain data for the rules.</summary>
public sealed record TelemetryFacts
{
    public required double WindowSeconds { get; init; }

    /// <summary>One series per pool name the driver's telemetry reported.</summary>
    public IReadOnlyList<PoolSeries> Pools { get; init; } = [];

    /// <summary>Exceptions grouped by type and message, counting distinct failures rather than rethrow events.</summary>
    public IReadOnlyList<ExceptionGroup> Exceptions { get; init; } = [];

    /// <summary>Last value of interesting runtime counters (cpu-usage, threadpool-queue-length, ...).</summary>
    public IReadOnlyDictionary<string, double> RuntimeCounters { get; init; } = new Dictionary<string, double>();

    /// <summary>True when the target exited before the window ended.</summary>
    public bool TargetExited { get; init; }

    /// <summary>The drivers' activities with their call stacks (<c>attach --trace</c>); null when not traced.</summary>
    public TraceFacts? Trace { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The session's own warning when no pool was heard from. The session does not know which drivers the target loaded;
    /// the diagnosis, which does, replaces it with a plain statement when every loaded driver publishes no pool telemetry.
    /// </summary>
    public const string NoPoolTelemetryWarning =
        "No connection-pool telemetry was received: the process has no pool of a driver that publishes pool metrics yet, or its driver publishes none.";
}

public sealed record PoolSeries
{
    public required string Driver { get; init; }

    /// <summary>Pool name as the driver tags it (often the connection string), password removed.</summary>
    public required string Name { get; init; }
    public IReadOnlyList<PoolSample> Samples { get; init; } = [];

    /// <summary>
    /// The driver reports used/idle as changes since the session began (a plain up-down counter), so the levels here are
    /// lower bounds (each shifted so that its lowest reading is zero) until a heap snapshot of the pool anchors them.
    /// </summary>
    public bool LevelsAreLowerBounds { get; init; }
}

/// <summary>One sample per refresh interval; null where the driver did not report that value.</summary>
public sealed record PoolSample
{
    /// <summary>Seconds since the session started.</summary>
    public required double Time { get; init; }
    public double? Used { get; init; }
    public double? Idle { get; init; }
    public double? Max { get; init; }

    /// <summary>The pool's minimum size, where the driver reports it.</summary>
    public double? Min { get; init; }
    public double? PendingRequests { get; init; }

    /// <summary>Cumulative timeouts waiting for a connection since the session started.</summary>
    public double? Timeouts { get; init; }

    /// <summary>Cumulative physical connections created since the session started.</summary>
    public double? ConnectionsCreated { get; init; }
    public double? OperationsPerSecond { get; init; }

    /// <summary>Cumulative failed operations since the session started.</summary>
    public double? FailedOperations { get; init; }
}

public sealed record ExceptionGroup
{
    public required string Type { get; init; }
    public required string Message { get; init; }

    /// <summary>Distinct failures (rethrows of the same exception object collapsed).</summary>
    public int Count { get; init; }

    /// <summary>Raw ExceptionThrown events seen, rethrows included.</summary>
    public int Events { get; init; }
    public double FirstSeen { get; init; }
    public double LastSeen { get; init; }
}
