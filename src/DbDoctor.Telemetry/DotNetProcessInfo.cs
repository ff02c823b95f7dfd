namespace DbDoctor.Telemetry;

public enum ProcessStatus
{
    /// <summary>The diagnostic socket answered: `dbdoctor attach` can work.</summary>
    Attachable,

    /// <summary>The process belongs to another user: its maps or socket cannot be opened.</summary>
    NoPermission,

    /// <summary>The socket exists but the runtime did not accept a connection.</summary>
    NotAnswering,
}

/// <summary>A database driver assembly mapped into the process.</summary>
public sealed record LoadedDriver(string Name, string AssemblyFile, string? Version, string Path);

/// <summary>One .NET process that published a diagnostic socket.</summary>
public sealed record DotNetProcessInfo
{
    public required int Pid { get; init; }

    /// <summary>Command line with connection-string-looking arguments redacted; null when unreadable.</summary>
    public string? CommandLine { get; init; }

    /// <summary>Microsoft.NETCore.App version, from the mapped libcoreclr.so path; null when not found (single-file, no permission).</summary>
    public string? RuntimeVersion { get; init; }

    public IReadOnlyList<LoadedDriver> Drivers { get; init; } = [];
    public required ProcessStatus Status { get; init; }

    /// <summary>Why the process cannot be inspected, in one sentence fragment; null when attachable.</summary>
    public string? StatusDetail { get; init; }
}
