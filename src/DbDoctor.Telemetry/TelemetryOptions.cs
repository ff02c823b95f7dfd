using DbDoctor.Drivers;

namespace DbDoctor.Telemetry;

public sealed record TelemetryOptions
{
    /// <summary>How long the session listens.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Counter and metrics refresh interval (whole seconds; the runtime takes seconds).</summary>
    public int RefreshIntervalSeconds { get; init; } = 1;

    /// <summary>Listen for ExceptionThrown events (runtime keyword 0x8000).</summary>
    public bool IncludeExceptions { get; init; } = true;

    /// <summary>The drivers whose EventSources and meters are listened to.</summary>
    public DriverCatalog Drivers { get; init; } = DriverCatalog.Default;
}

/// <summary>What the CLI shows while a session runs; reported about once per second.</summary>
public sealed record TelemetryProgress
{
    public required TimeSpan Elapsed { get; init; }
    public required TimeSpan Total { get; init; }

    /// <summary>Pool readings received so far (metrics and counters together).</summary>
    public int SamplesSeen { get; init; }
    public int Pools { get; init; }
    public int ExceptionEvents { get; init; }

    /// <summary>Latest used/max of the fullest pool; null until the driver first reports.</summary>
    public double? CurrentUsed { get; init; }
    public double? CurrentMax { get; init; }
}
