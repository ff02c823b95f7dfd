namespace DbDoctor.Model.Watch;

/// <summary>
/// What <c>dbdoctor watch</c> shows once a second for one target: the latest state of each pool. Written as one JSON
/// line (schema <see cref="SchemaId"/>) when stdout is not a terminal.
/// </summary>
public sealed record WatchSample
{
    public const string SchemaId = "dbdoctor/watch-sample@1";

    public string Schema { get; init; } = SchemaId;

    /// <summary>UTC, ISO 8601.</summary>
    public required string Time { get; init; }
    public required int Pid { get; init; }

    /// <summary>Seconds since dbdoctor started watching this target.</summary>
    public required double WatchedSeconds { get; init; }
    public IReadOnlyList<WatchPoolRow> Pools { get; init; } = [];
    public int SnapshotsTaken { get; init; }
}

/// <summary>One pool's latest sample; null where the driver did not report it (or, for rates, too little was seen yet).</summary>
public sealed record WatchPoolRow
{
    public required string Driver { get; init; }

    /// <summary>The pool's name (often its connection string), password removed.</summary>
    public required string Pool { get; init; }
    public double? Used { get; init; }
    public double? Idle { get; init; }
    public double? Max { get; init; }
    public double? Pending { get; init; }

    /// <summary>Timeouts waiting for a connection since dbdoctor attached.</summary>
    public double? Timeouts { get; init; }
    public double? LeakRatePerMinute { get; init; }

    /// <summary>Seconds until the pool is full at the current leak rate; 0 when it already is.</summary>
    public double? SecondsToExhaustion { get; init; }
}
