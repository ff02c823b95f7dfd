namespace DbDoctor.Drivers;

/// <summary>SqlClient's EventSource: its counters are process-wide (no pool names), kept as process counters.</summary>
internal sealed class SqlClientTelemetry : DriverTelemetry
{
    public override IReadOnlyList<string> EventSources { get; } = ["Microsoft.Data.SqlClient.EventSource"];
}
