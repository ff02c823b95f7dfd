using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis;

/// <summary>Everything one diagnosis looks at. Heap and telemetry are each optional (dump has no telemetry; --no-heap has no heap).</summary>
public sealed record DiagnosisInput
{
    public required TargetInfo Target { get; init; }
    public HeapFacts? Heap { get; init; }
    public TelemetryFacts? Telemetry { get; init; }
    public DiagnosisOptions Options { get; init; } = new();

    /// <summary>The target's TCP sockets to its database endpoints (attach only, Linux only).</summary>
    public SocketFacts? Sockets { get; init; }

    /// <summary>After how many idle seconds the server (or a proxy, a firewall) closes a session; null when unknown.</summary>
    public double? ServerIdleTimeoutSeconds { get; init; }

    /// <summary>Where that timeout came from: "--server-idle-timeout 60s" or "SHOW idle_session_timeout on Host=...".</summary>
    public string? ServerIdleTimeoutSource { get; init; }
}
