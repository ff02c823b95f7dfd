using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace DbDoctor.Bench;

/// <summary>
/// An EventPipe session with the providers dbdoctor attach listens to (FIELD-NOTES "EventPipe telemetry"): Npgsql and
/// System.Runtime EventCounters each second, Npgsql's meter through System.Diagnostics.Metrics, and runtime exception
/// events. Events are parsed with TraceEvent, as the real collector does, so the tool side costs what it would.
/// </summary>
public sealed class TelemetrySession : IDisposable
{
    private readonly EventPipeSession session;
    private readonly Task processing;
    private long events;

    private TelemetrySession(EventPipeSession session)
    {
        this.session = session;
        processing = Task.Run(() =>
        {
            using var source = new EventPipeEventSource(session.EventStream);
            source.Dynamic.All += _ => Interlocked.Increment(ref events);
            source.Process();
        });
    }

    public long Events => Interlocked.Read(ref events);

    public static TelemetrySession Start(int pid)
    {
        var counters = new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" };
        var metrics = new Dictionary<string, string>
        {
            ["SessionId"] = Guid.NewGuid().ToString("N"),
            ["Metrics"] = "Npgsql",
            ["RefreshInterval"] = "1",
            ["MaxTimeSeries"] = "1000",
            ["MaxHistograms"] = "20",
            ["ClientId"] = Guid.NewGuid().ToString("N"),
        };
        EventPipeProvider[] providers =
        [
            new("Npgsql", EventLevel.Informational, 0, counters),
            new("System.Runtime", EventLevel.Informational, 0, counters),
            new("System.Diagnostics.Metrics", EventLevel.Informational, 0x7, metrics),
            new("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, 0x8000),
        ];
        var client = new DiagnosticsClient(pid);
        return new TelemetrySession(client.StartEventPipeSession(providers, requestRundown: false, circularBufferMB: 64));
    }

    public void Dispose()
    {
        session.Stop();
        processing.Wait(TimeSpan.FromSeconds(10));
        session.Dispose();
    }
}
