using System.Globalization;

namespace DbDoctor.Drivers;

/// <summary>
/// What DbDoctor knows about the versions First..Last (major.minor, both included) of a driver whose internals or
/// telemetry differ between versions. A profile lists its families oldest first.
/// </summary>
public sealed record KnowledgeFamily
{
    public required Version First { get; init; }
    public required Version Last { get; init; }
    public IHeapKnowledge? Heap { get; init; }
    public DriverTelemetry Telemetry { get; init; } = new();

    /// <summary>"8.0–10.0", or "10.0" for a single version.</summary>
    public string Versions => First == Last ? Show(First) : $"{Show(First)}–{Show(Last)}";

    public bool Covers(Version version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var v = MajorMinor(version);
        return v >= MajorMinor(First) && v <= MajorMinor(Last);
    }

    /// <summary>"10.0.1", "6.0.0-rc.1", "2.1.4+abc": the leading numeric part; null when there is none.</summary>
    public static Version? ParseVersion(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.'))
        {
            end++;
        }

        var numeric = text[..end].TrimEnd('.');
        if (!numeric.Contains('.', StringComparison.Ordinal))
        {
            numeric += ".0";
        }

        return Version.TryParse(numeric, out var version) ? version : null;
    }

    private static Version MajorMinor(Version v) => new(v.Major, Math.Max(0, v.Minor));

    private static string Show(Version v) => $"{v.Major.ToString(CultureInfo.InvariantCulture)}.{Math.Max(0, v.Minor).ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The family picked for a target's driver version, and the report's warning when none covers it.</summary>
/// <param name="VersionKnown">The target's driver version was read (else the newest family was taken unverified).</param>
public sealed record FamilyChoice(KnowledgeFamily Family, string? Warning, bool VersionKnown = true);
