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

    /// <summary>Heap knowledge and telemetry names per version family, oldest first; empty for the generic profile.</summary>
    public IReadOnlyList<KnowledgeFamily> Families { get; init; } = [];

    /// <summary>The newest family's heap knowledge: what a target of unknown version is read with.</summary>
    public IHeapKnowledge? Heap => Families.Count > 0 ? Families[^1].Heap : null;

    /// <summary>The newest family's telemetry (the generic profile publishes none).</summary>
    public DriverTelemetry Telemetry => Families.Count > 0 ? Families[^1].Telemetry : NoTelemetry;

    public ConnectionStringSemantics ConnectionStrings { get; init; } = new();

    public DriverWords Words { get; init; } = new();

    /// <summary>The driver's own error markers; none by default (the catalog then applies the generic reading).</summary>
    public ErrorClassifier Errors { get; init; } = new();

    /// <summary>How to ask the driver's server its idle-session timeouts (`--server`); null when DbDoctor cannot.</summary>
    public ServerProbe? Server { get; init; }

    /// <summary>The driver's <c>ActivitySource</c> (<c>attach --trace</c>); null when the driver publishes no activities.</summary>
    public DriverActivities? Activities { get; init; }

    /// <summary>
    /// The family for the target's driver version: the one that covers it, else the nearest (the newest for a newer
    /// version, the oldest for an older one) with a warning that the knowledge was not verified for it. Null without families.
    /// </summary>
    public FamilyChoice? Pick(string? targetVersion)
    {
        if (Families.Count == 0)
        {
            return null;
        }

        if (KnowledgeFamily.ParseVersion(targetVersion) is not { } version)
        {
            return new FamilyChoice(Families[^1], null, VersionKnown: false);
        }

        if (Families.FirstOrDefault(f => f.Covers(version)) is { } covering)
        {
            return new FamilyChoice(covering, null);
        }

        var nearest = version < Families[0].First ? Families[0] : Families[^1];
        var verified = Families.Count == 1 ? Families[0].Versions : $"{Families[0].First.Major}.{Families[0].First.Minor}–{Families[^1].Last.Major}.{Families[^1].Last.Minor}";
        return new FamilyChoice(nearest, $"Knowledge verified for {Name} {verified}; target has {targetVersion}, read with the knowledge of {nearest.Versions}: results may be incomplete.");
    }

    public override string ToString() => Name;

    private static readonly DriverTelemetry NoTelemetry = new();
}
