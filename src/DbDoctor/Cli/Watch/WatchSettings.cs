using DbDoctor.Diagnosis.Watch;

namespace DbDoctor.Cli.Watch;

/// <summary>Which processes <c>dbdoctor watch</c> follows: one pid, every process of a name, or every one with a driver.</summary>
public sealed record WatchSelector
{
    public int? Pid { get; init; }
    public string? Name { get; init; }
    public bool All { get; init; }

    /// <summary>A pid is watched until it exits; a name or --all follows processes as they come and go.</summary>
    public bool Follows => Pid is null;

    public string Describe() => Pid is { } pid ? $"process {pid}" : Name is { } name ? $"processes named '{name}'" : "every .NET process with a database driver";
}

public sealed record WatchSettings
{
    public required WatchSelector Selector { get; init; }
    public IReadOnlyList<Trigger> Triggers { get; init; } = Trigger.Defaults;
    public required string ReportDirectory { get; init; }
    public TimeSpan Cooldown { get; init; } = TimeSpan.FromMinutes(5);
    public int MaxSnapshots { get; init; } = 3;
    public int MaxSqlLength { get; init; } = 200;

    /// <summary>The live table (a terminal) rather than JSON lines.</summary>
    public bool Table { get; init; }

    /// <summary>[HOST:]PORT for /metrics; null: no endpoint.</summary>
    public string? Prometheus { get; init; }

    /// <summary>How much of each pool's series is kept: what a report's telemetry shows and what bounds memory.</summary>
    public TimeSpan History { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(1);
}
