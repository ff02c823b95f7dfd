using System.Text;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry.Tracing;

namespace DbDoctor.Tests.Tracing;

/// <summary>The DiagnosticSource bridge's raw ActivityStart/Stop payloads, as a live TraceLog hands them over, and the recorder that joins them.</summary>
public sealed class ActivityPayloadTests
{
    private const string StopTags =
        "[db.query.text, INSERT INTO items (tenant, payload) VALUES ('orders', @payload)],[db.system.name, postgresql],[db.npgsql.connection_id, 4318],[server.port, 5432]";

    [Fact]
    public void A_start_payload_gives_source_activity_and_arguments()
    {
        // Bytes as measured from Npgsql 10 over EventPipe: "Npgsql\0", "postgresql\0", count 3, then key/value pairs.
        var bytes = ActivityPayload.Encode("Npgsql", "postgresql", [new("Id", "00-917d-01"), new("OperationName", "postgresql"), new("Tags", "")]);
        Assert.Equal(0x03, bytes[Encoding.Unicode.GetByteCount("Npgsql\0postgresql\0")]);

        var payload = ActivityPayload.Parse(bytes);

        Assert.NotNull(payload);
        Assert.Equal("Npgsql", payload.SourceName);
        Assert.Equal("postgresql", payload.ActivityName);
        Assert.Equal("00-917d-01", payload.Arguments["Id"]);
        Assert.Equal("", payload.Arguments["Tags"]);
    }

    [Fact]
    public void Damaged_payloads_are_refused_not_misread()
    {
        var bytes = ActivityPayload.Encode("Npgsql", "postgresql", [new("Id", "00-1"), new("Tags", StopTags)]);

        Assert.Null(ActivityPayload.Parse(bytes.AsSpan(0, bytes.Length - 3)));
        Assert.Null(ActivityPayload.Parse(Encoding.Unicode.GetBytes("Npgsql")));
        Assert.Null(ActivityPayload.Parse([]));
        var overCounted = (byte[])bytes.Clone();
        overCounted[Encoding.Unicode.GetByteCount("Npgsql\0postgresql\0")] = 9;
        Assert.Null(ActivityPayload.Parse(overCounted));
    }

    [Fact]
    public void Enumerated_tags_are_split_into_pairs_even_when_the_sql_holds_commas_and_brackets()
    {
        var tags = ActivityPayload.ParseTags(StopTags + ",[note, a [b], c]");

        Assert.Equal("INSERT INTO items (tenant, payload) VALUES ('orders', @payload)", tags["db.query.text"]);
        Assert.Equal("4318", tags["db.npgsql.connection_id"]);
        Assert.Equal("5432", tags["server.port"]);
        Assert.Equal("a [b], c", tags["note"]);
        Assert.Empty(ActivityPayload.ParseTags(""));
        Assert.Empty(ActivityPayload.ParseTags(null));
    }

    [Fact]
    public void The_filter_names_each_driver_source_with_the_slash_the_bridge_needs()
    {
        var specs = OperationTracer.FilterAndPayloadSpecs(new OperationRecorder(DriverCatalog.Default).Sources).Split("\r\n");

        Assert.Contains("[AS]Npgsql/-Record:-Id;OperationName;Tags=TagObjects.*Enumerate", specs);
        Assert.Contains("[AS]MySqlConnector/-Record:-Id;OperationName;Tags=TagObjects.*Enumerate", specs);
    }

    [Fact]
    public void A_start_keeps_its_stack_and_the_stop_with_the_same_id_brings_session_and_sql()
    {
        var recorder = new OperationRecorder(DriverCatalog.Default);
        var time = new DateTimeOffset(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);
        TracedFrame[] frames = [new() { Method = "Shop.Billing.Charge", Module = "Shop", Owner = FrameOwners.Application }];

        recorder.Start(Payload("postgresql", "00-a-01", ""), time, () => frames);
        recorder.Start(Payload("postgresql", "00-b-01", ""), time.AddSeconds(1), () => frames);
        recorder.Stop(Payload("postgresql", "00-a-01", StopTags));
        recorder.Stop(Payload("postgresql", "00-never-started", StopTags));
        recorder.Start(Payload("CONNECT shop", "00-c-01", ""), time.AddSeconds(2), () => []);

        var (operations, traced) = recorder.Snapshot();
        Assert.Equal(3, traced);
        Assert.Equal(3, operations.Count);
        var first = operations[0];
        Assert.True(first.Stopped);
        Assert.Equal(4318, first.ServerPid);
        Assert.Equal(TracedOperations.Execute, first.Operation);
        Assert.StartsWith("INSERT INTO items", first.Sql, StringComparison.Ordinal);
        Assert.Equal(time, first.Time);
        Assert.Same(frames, first.Frames);
        // Still running when read (a reader left open): no tags yet.
        Assert.False(operations[1].Stopped);
        Assert.Null(operations[1].ServerPid);
        Assert.Equal(TracedOperations.Open, operations[2].Operation);
    }

    [Fact]
    public void Activities_of_sources_no_driver_publishes_are_ignored()
    {
        var recorder = new OperationRecorder(DriverCatalog.Default);
        recorder.Start(ActivityPayload.Parse(ActivityPayload.Encode("Shop.Http", "GET /", [new("Id", "1")]))!, DateTimeOffset.UtcNow, () => []);

        Assert.Equal(0, recorder.Snapshot().Traced);
    }

    private static ActivityPayload Payload(string name, string id, string tags) =>
        ActivityPayload.Parse(ActivityPayload.Encode("Npgsql", name, [new("Id", id), new("OperationName", name), new("Tags", tags)]))!;
}
