namespace DbDoctor.Drivers;

/// <summary>
/// Everything DbDoctor knows about one driver, assembled from the parts in the driver's own folder. The engine, the
/// telemetry and the rules receive a profile (found by <see cref="DriverCatalog"/>) and never compare driver names.
/// The generic ADO.NET fallback is a profile too: its parts are the base classes, which speak plain ADO.NET.
/// </summary>
public sealed class DriverProfile
{
    /// <summary>The name facts and findings carry, e.g. the driver's assembly name.</summary>
    public required string Name { get; init; }

    /// <summary>Assembly file names whose presence in a process means this driver is loaded (for `ps` and the heap).</summary>
    public IReadOnlyList<string> AssemblyFileNames { get; init; } = [];

    /// <summary>The driver talks to an in-process database (no server, no sockets, nothing closes idle sessions).</summary>
    public bool Embedded { get; init; }

    /// <summary>The generic fallback: knows nothing driver-specific.</summary>
    public bool IsGeneric { get; init; }

    /// <summary>How the driver's heap objects are read; null for the generic profile (its knowledge is discovered per dump).</summary>
    public IHeapKnowledge? Heap { get; init; }

    public ConnectionStringSemantics ConnectionStrings { get; init; } = new();

    public DriverWords Words { get; init; } = new();

    /// <summary>The driver's own error markers; none by default (the catalog then applies the generic reading).</summary>
    public ErrorClassifier Errors { get; init; } = new();

    public override string ToString() => Name;
}
