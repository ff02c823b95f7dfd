using DbDoctor.Drivers;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis;

/// <summary>Everything one diagnosis looks at. Heap and telemetry are each optional (dump has no telemetry; --no-heap has no heap).</summary>
public sealed record DiagnosisInput
{
    public required TargetInfo Target { get; init; }
    public HeapFacts? Heap { get; init; }
    public TelemetryFacts? Telemetry { get; init; }
    public DiagnosisOptions Options { get; init; } = new();

    /// <summary>The driver profiles findings speak and judge with; a fact's driver name picks its profile.</summary>
    public DriverCatalog Drivers { get; init; } = DriverCatalog.Default;

    /// <summary>
    /// Names of the drivers the target process has loaded (from its memory map), for a run without heap: which pools
    /// telemetry could not see. Empty when unknown (a dump: the heap's own driver list says it).
    /// </summary>
    public IReadOnlyList<string> LoadedDrivers { get; init; } = [];

    /// <summary>The target's TCP sockets to its database endpoints (attach only, Linux only).</summary>
    public SocketFacts? Sockets { get; init; }

    /// <summary>After how many idle seconds the server (or a proxy, a firewall) closes a session; null when unknown.</summary>
    public double? ServerIdleTimeoutSeconds { get; init; }

    /// <summary>Where that timeout came from: "--server-idle-timeout 60s" or the server's own answer.</summary>
    public string? ServerIdleTimeoutSource { get; init; }

    /// <summary>The server's own view of the heap connections' sessions (attach --server); null when not asked.</summary>
    public ServerSessionFacts? ServerSessions { get; init; }
}
