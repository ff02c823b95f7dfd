using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>
/// The IL-to-native maps of the code the target compiled before tracing began. TraceLog's own rundown names those
/// methods but keeps no IL maps (measured: every frame's ILOffset was -1), so a second short session asks for a rundown
/// of its own: the runtime's default rundown keywords carry each code version's <c>MethodDCStopVerbose</c> and
/// <c>MethodILToNativeMapDCStop</c>. It runs beside TraceLog's and costs the target one more pass over its methods.
/// </summary>
public static class CodeRundown
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    /// <summary>Fills <paramref name="code"/>; false when the rundown did not finish in time (frames then get no lines).</summary>
    public static async Task<bool> RunAsync(DiagnosticsClient client, NativeCodeMap code, TimeSpan timeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(code);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        EventPipeSession session;
        try
        {
            // No keyword of the live provider: the session exists only for the rundown it writes when it stops.
            session = await client.StartEventPipeSessionAsync(
                new EventPipeSessionConfiguration([new EventPipeProvider(RuntimeProvider, EventLevel.Informational, 0)],
                    circularBufferSizeMB: 64, requestRundown: true, requestStackwalk: false), cts.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // Lines are a bonus: a runtime that refuses a second session, or is gone, leaves the frames without them.
            return false;
        }

        using (session)
        {
            try
            {
                var processing = Task.Run(() => Read(session, code), CancellationToken.None);
                await session.StopAsync(cts.Token).ConfigureAwait(false);
                await processing.WaitAsync(cts.Token).ConfigureAwait(false);
                return true;
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Timed out, the target exited, or its stream broke: what was read is kept, the rest has no lines.
                return false;
            }
        }
    }

    private static void Read(EventPipeSession session, NativeCodeMap code)
    {
        using var source = new EventPipeEventSource(session.EventStream);
        var rundown = new ClrRundownTraceEventParser(source);
        rundown.MethodDCStopVerbose += data => Loaded(code, data);
        rundown.MethodILToNativeMapDCStop += data => Mapped(code, data);
        source.Process();
    }

    /// <summary>A method load event (JIT or rundown) into the map.</summary>
    public static void Loaded(NativeCodeMap code, MethodLoadUnloadVerboseTraceData data)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(data);
        code.MethodLoaded(data.MethodID, data.ReJITID, data.MethodStartAddress, data.MethodSize, data.MethodToken);
    }

    /// <summary>An IL-to-native map event (JIT or rundown) into the map.</summary>
    public static void Mapped(NativeCodeMap code, MethodILToNativeMapTraceData data)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(data);
        var count = data.CountOfMapEntries;
        var il = new int[count];
        var native = new int[count];
        for (var i = 0; i < count; i++)
        {
            il[i] = data.ILOffset(i);
            native[i] = data.NativeOffset(i);
        }

        code.ILMapped(data.MethodID, data.ReJITID, il, native);
    }
}
