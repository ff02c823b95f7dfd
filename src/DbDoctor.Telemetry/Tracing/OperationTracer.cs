using System.Diagnostics.Tracing;
using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>
/// <c>attach --trace</c>: a second EventPipe session, apart from the shared metrics session, that turns on the drivers'
/// <c>ActivitySource</c>s through the DiagnosticSource bridge and asks for managed stacks, with the runtime's loader and
/// JIT events (and a rundown at start) so the frames can be named. It runs until <see cref="StopAsync"/>: attach stops
/// it right after the heap snapshot, so a checkout just before the snapshot still has its origin.
/// </summary>
public sealed class OperationTracer : IAsyncDisposable
{
    public const string BridgeProvider = "Microsoft-Diagnostics-DiagnosticSource";

    /// <summary>The bridge's provider id: a live TraceLog delivers its events unnamed, so they are matched by it.</summary>
    public static readonly Guid BridgeProviderGuid = new("adb401e1-5296-51f8-c125-5fda75826144");

    private const long BridgeEventsKeyword = 0x2;
    // Loader, Jit, and JittedMethodILToNativeMap (0x20000): the maps of code compiled while tracing runs, for file:line.
    private const long LoaderAndJitKeywords = 0x8 | 0x10 | 0x20000;
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RundownTimeout = TimeSpan.FromSeconds(20);

    private readonly EventPipeSession _session;
    private readonly TraceLogEventSource _source;
    private readonly OperationRecorder _recorder;
    private readonly Task _processing;
    private readonly DateTimeOffset _startedAt;
    private readonly object _stopGate = new();
    private Task<TraceFacts>? _stopping;

    private OperationTracer(EventPipeSession session, TraceLogEventSource source, OperationRecorder recorder, Task processing, DateTimeOffset startedAt)
    {
        _session = session;
        _source = source;
        _recorder = recorder;
        _processing = processing;
        _startedAt = startedAt;
    }

    /// <summary>The bridge's filter: one line per driver source (the slash after the source name is required to match anything).</summary>
    public static string FilterAndPayloadSpecs(IEnumerable<string> sources) =>
        string.Join("\r\n", sources.Select(s => $"[AS]{s}/-Record:-Id;OperationName;Tags=TagObjects.*Enumerate"));

    public static async Task<OperationTracer> StartAsync(int pid, DriverCatalog catalog, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        DiagnosticSocket.EnsureAttachable(pid);
        var recorder = new OperationRecorder(catalog);
        var code = new NativeCodeMap();
        var resolver = new FrameResolver(catalog, code, new PortablePdbLines());
        var client = new DiagnosticsClient(pid);
        var providers = new[]
        {
            new EventPipeProvider(BridgeProvider, EventLevel.Informational, BridgeEventsKeyword,
                new Dictionary<string, string> { ["FilterAndPayloadSpecs"] = FilterAndPayloadSpecs(recorder.Sources) }),
            new EventPipeProvider(RuntimeProvider, EventLevel.Verbose, LoaderAndJitKeywords),
        };

        using var startCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startCts.CancelAfter(StartTimeout);
        EventPipeSession session;
        try
        {
            session = await client.StartEventPipeSessionAsync(
                new EventPipeSessionConfiguration(providers, circularBufferSizeMB: 256, requestRundown: false, requestStackwalk: true), startCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DbDoctorInputException($"The diagnostic socket of process {pid} did not answer within {StartTimeout.TotalSeconds:0} s.");
        }
        catch (Exception e) when (e is ServerNotAvailableException or UnsupportedCommandException or ServerErrorException or UnauthorizedAccessException)
        {
            throw new DbDoctorInputException($"The runtime of process {pid} refused the trace session: {e.Message}", e);
        }

        // The runtime records from the moment the session exists; the rundown below only names methods.
        var startedAt = DateTimeOffset.UtcNow;
        TraceLogEventSource? source = null;
        try
        {
            // The IL maps of code compiled before now, beside TraceLog's rundown (which keeps names, not maps).
            var codeRundown = CodeRundown.RunAsync(client, code, RundownTimeout, ct);
            // The rundown is a short extra session that names every method already compiled; later ones come as JIT events.
            source = await Task.Run(() => TraceLog.CreateFromEventPipeSession(session, TraceLog.EventPipeRundownConfiguration.Enable(client)), ct)
                .ConfigureAwait(false);
            await codeRundown.ConfigureAwait(false);
            source.Clr.MethodLoadVerbose += data => CodeRundown.Loaded(code, data);
            source.Clr.MethodILToNativeMap += data => CodeRundown.Mapped(code, data);
            source.AllEvents += data => OnEvent(data, recorder, resolver);
            var processing = Task.Run(source.Process, CancellationToken.None);
            return new OperationTracer(session, source, recorder, processing, startedAt);
        }
        catch
        {
            await TelemetryCollector.StopAsync(session).ConfigureAwait(false);
            session.Dispose();
            source?.Dispose();
            throw;
        }
    }

    /// <summary>What was traced so far; the session keeps running.</summary>
    public TraceFacts Facts() => ToFacts(stoppedAt: null);

    /// <summary>Stops the session, drains the last events and returns the facts. Later calls return the same facts.</summary>
    public Task<TraceFacts> StopAsync()
    {
        lock (_stopGate)
        {
            return _stopping ??= StopOnceAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task<TraceFacts> StopOnceAsync()
    {
        var stoppedAt = DateTimeOffset.UtcNow;
        await TelemetryCollector.StopAsync(_session).ConfigureAwait(false);
        var drained = await Task.WhenAny(_processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false) == _processing;
        _session.Dispose();
        if (!drained)
        {
            _source.StopProcessing();
            await Task.WhenAny(_processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false);
        }

        var facts = ToFacts(stoppedAt);
        if (_processing.IsCompleted)
        {
            _source.Dispose();
        }

        return facts;
    }

    private TraceFacts ToFacts(DateTimeOffset? stoppedAt)
    {
        var (operations, traced) = _recorder.Snapshot();
        var warnings = new List<string>();
        if (_processing.IsFaulted && _processing.Exception?.GetBaseException() is { } error)
        {
            warnings.Add($"The trace session ended early ({error.Message}): origins cover only what was traced before.");
        }

        return new TraceFacts
        {
            StartedAt = _startedAt,
            StoppedAt = stoppedAt,
            Drivers = _recorder.Drivers,
            Operations = operations,
            OperationsTraced = traced,
            EventsLost = _processing.IsCompleted ? SafeEventsLost() : 0,
            Warnings = warnings,
        };
    }

    private long SafeEventsLost()
    {
        try
        {
            return _source.EventsLost;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    private static void OnEvent(TraceEvent data, OperationRecorder recorder, FrameResolver resolver)
    {
        if (data.ProviderGuid != BridgeProviderGuid || data.Opcode is not (TraceEventOpcode.Start or TraceEventOpcode.Stop))
        {
            return;
        }

        if (ActivityPayload.Parse(data.EventData()) is not { } payload)
        {
            return;
        }

        if (data.Opcode == TraceEventOpcode.Start)
        {
            var time = new DateTimeOffset(data.TimeStamp.ToUniversalTime(), TimeSpan.Zero);
            recorder.Start(payload, time, () => resolver.Resolve(data));
        }
        else
        {
            recorder.Stop(payload);
        }
    }
}
