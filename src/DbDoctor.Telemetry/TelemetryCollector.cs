using System.Diagnostics;
using System.Diagnostics.Tracing;
using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace DbDoctor.Telemetry;

/// <summary>
/// Runs one EventPipe session against a live process and turns what it hears into <see cref="TelemetryFacts"/>.
/// The target is never suspended; cancelling stops the session cleanly and returns what was collected.
/// </summary>
public static class TelemetryCollector
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);
    private const long ExceptionKeyword = 0x8000;
    private const string RuntimeEventSource = "System.Runtime";
    private const string MetricsEventSource = "System.Diagnostics.Metrics";

    public static async Task<TelemetryFacts> CollectAsync(
        int pid, TelemetryOptions options, IProgress<TelemetryProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        DiagnosticSocket.EnsureAttachable(pid);

        var (drivers, versionWarnings) = DriversOf(pid, options.Drivers);
        var clientId = "dbdoctor-" + Guid.NewGuid().ToString("N");
        var session = await StartSessionAsync(pid, options, drivers, clientId, ct).ConfigureAwait(false);
        var listener = new TelemetryEventHandler(options.RefreshIntervalSeconds, drivers, clientId);
        var clock = Stopwatch.StartNew();
        EventPipeEventSource? source = null;
        Task processing = Task.CompletedTask;
        try
        {
            source = new EventPipeEventSource(session.EventStream);
            listener.Subscribe(source, options.IncludeExceptions);
            processing = Task.Run(source.Process, CancellationToken.None);

            while (clock.Elapsed < options.Duration && !ct.IsCancellationRequested && !processing.IsCompleted)
            {
                var wait = TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(1, (options.Duration - clock.Elapsed).TotalMilliseconds)));
                await ((Task)Task.WhenAny(processing, Task.Delay(wait, ct))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                progress?.Report(listener.Progress(clock.Elapsed, options.Duration));
            }
        }
        finally
        {
            await StopAsync(session).ConfigureAwait(false);
        }

        // Stop flushes the remaining events; the stream then ends and Process returns.
        var drained = await Task.WhenAny(processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false) == processing;
        session.Dispose();
        if (!drained)
        {
            source?.StopProcessing();
            await Task.WhenAny(processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false);
        }

        var window = clock.Elapsed;
        var streamEndedEarly = processing.IsCompleted && window < options.Duration && !ct.IsCancellationRequested;
        var exited = streamEndedEarly ? await WaitForExitAsync(pid, ExitGrace).ConfigureAwait(false) : !IsAlive(pid);
        // ToFacts closes the handler under its lock: a reader thread still running after the drain timeout can no longer
        // change the facts, and the source is disposed once that thread is done with it.
        var facts = listener.ToFacts(window, exited, processing.Exception?.GetBaseException());
        DisposeWhenDone(source, processing);
        return versionWarnings.Count == 0 ? facts : facts with { Warnings = [.. versionWarnings, .. facts.Warnings] };
    }

    /// <summary>
    /// Each registered driver's telemetry names, from the version family of the driver assembly the target has loaded
    /// (read from its mapped files); the newest family when the driver is not loaded yet or its version is unknown.
    /// </summary>
    internal static (IReadOnlyList<DriverTelemetrySource> Drivers, List<string> Warnings) DriversOf(int pid, DriverCatalog catalog)
    {
        var loaded = ProcessLister.ReadMappedFiles(pid) is { } maps ? ProcessLister.FindDrivers(maps, catalog) : [];
        var sources = new List<DriverTelemetrySource>();
        var warnings = new List<string>();
        foreach (var profile in catalog.Profiles)
        {
            var version = loaded.FirstOrDefault(d => d.Name == profile.Name)?.Version;
            if (profile.Pick(version) is not { } choice)
            {
                continue;
            }

            sources.Add(new DriverTelemetrySource(profile.Name, choice.Family.Telemetry));
            if (choice.Warning is not null)
            {
                warnings.Add(choice.Warning);
            }
        }

        return (sources, warnings);
    }

    private static void DisposeWhenDone(EventPipeEventSource? source, Task processing)
    {
        if (source is null)
        {
            return;
        }

        if (processing.IsCompleted)
        {
            source.Dispose();
        }
        else
        {
            _ = processing.ContinueWith(_ => source.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private static async Task<EventPipeSession> StartSessionAsync(
        int pid, TelemetryOptions options, IReadOnlyList<DriverTelemetrySource> drivers, string clientId, CancellationToken ct)
    {
        var client = new DiagnosticsClient(pid);
        using var startCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startCts.CancelAfter(StartTimeout);
        try
        {
            return await client.StartEventPipeSessionAsync(Providers(options, drivers, clientId), requestRundown: false, circularBufferMB: 64, startCts.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new DbDoctorInputException($"The diagnostic socket of process {pid} did not answer within {StartTimeout.TotalSeconds:0} s.");
        }
        catch (ServerNotAvailableException e)
        {
            throw new DbDoctorInputException($"Process {pid} stopped answering on its diagnostic socket (did it exit?).", e);
        }
        catch (UnsupportedCommandException e)
        {
            throw new DbDoctorInputException($"The .NET runtime of process {pid} does not support EventPipe sessions (needs .NET 5 or later).", e);
        }
        catch (ServerErrorException e)
        {
            throw new DbDoctorInputException($"The runtime of process {pid} refused the EventPipe session: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DbDoctorInputException($"No permission to open the diagnostic socket of process {pid}: run dbdoctor as the same user as the target.", e);
        }
    }

    internal static IReadOnlyList<EventPipeProvider> Providers(TelemetryOptions options, IReadOnlyList<DriverTelemetrySource> drivers, string clientId)
    {
        var eventSources = drivers.SelectMany(d => d.Telemetry.EventSources).Distinct(StringComparer.Ordinal).ToList();
        var meters = drivers.SelectMany(d => d.Telemetry.Meters).Distinct(StringComparer.Ordinal).ToList();
        var interval = options.RefreshIntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var counterArguments = new Dictionary<string, string> { ["EventCounterIntervalSec"] = interval };
        var providers = eventSources.Select(s => new EventPipeProvider(s, EventLevel.Informational, 0, counterArguments)).ToList();
        providers.Add(new(RuntimeEventSource, EventLevel.Informational, 0, counterArguments));
        if (meters.Count > 0)
        {
            providers.Add(new(MetricsEventSource, EventLevel.Informational, 0x7, new Dictionary<string, string>
            {
                // SHARED lets dotnet-counters/dotnet-monitor keep working: a process allows one private metrics session.
                ["SessionId"] = TelemetryEventHandler.SharedSessionId,
                ["ClientId"] = clientId,
                ["Metrics"] = string.Join(',', meters),
                ["RefreshInterval"] = interval,
                ["MaxTimeSeries"] = "1000",
                ["MaxHistograms"] = "100",
            }));
        }

        if (options.IncludeExceptions)
        {
            providers.Add(new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, ExceptionKeyword));
        }

        return providers;
    }

    /// <summary>Stops the session; a target that already exited makes Stop throw, which is fine: nothing left to stop.</summary>
    private static async Task StopAsync(EventPipeSession session)
    {
        try
        {
            await session.StopAsync(CancellationToken.None).WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ServerNotAvailableException or TimeoutException or IOException or ObjectDisposedException
                                      or EndOfStreamException or ServerErrorException)
        {
            // The target is gone or the pipe closed; the events already read are kept.
        }
    }

    /// <summary>A runtime shutting down closes its sessions first and lingers a little: give it time to be gone.</summary>
    private static async Task<bool> WaitForExitAsync(int pid, TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (clock.Elapsed > grace)
            {
                return false;
            }

            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>A zombie counts as gone: it has exited, only its parent has not reaped it yet.</summary>
    internal static bool IsAlive(int pid) => ProcStat.Read(pid) is { IsZombie: false };
}
