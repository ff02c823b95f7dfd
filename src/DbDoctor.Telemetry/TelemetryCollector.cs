using System.Diagnostics.Tracing;
using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.NETCore.Client;

namespace DbDoctor.Telemetry;

/// <summary>
/// Runs one EventPipe session against a live process and turns what it hears into <see cref="TelemetryFacts"/>.
/// The target is never suspended; cancelling stops the session cleanly and returns what was collected.
/// </summary>
public static class TelemetryCollector
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private const long ExceptionKeyword = 0x8000;
    private const string RuntimeEventSource = "System.Runtime";
    private const string MetricsEventSource = "System.Diagnostics.Metrics";

    public static async Task<TelemetryFacts> CollectAsync(
        int pid, TelemetryOptions options, IProgress<TelemetryProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var session = await LiveTelemetrySession.StartAsync(pid, options, ct).ConfigureAwait(false);
        TelemetryFacts facts;
        try
        {
            while (session.Elapsed < options.Duration && !ct.IsCancellationRequested && !session.Completion.IsCompleted)
            {
                var wait = TimeSpan.FromMilliseconds(Math.Min(1000, Math.Max(1, (options.Duration - session.Elapsed).TotalMilliseconds)));
                await ((Task)Task.WhenAny(session.Completion, Task.Delay(wait, ct))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                progress?.Report(session.Progress(options.Duration));
            }
        }
        finally
        {
            // A stream that ended before the window and before any cancel: the target is probably exiting.
            facts = await session.StopAsync(expectedToRun: session.Elapsed < options.Duration && !ct.IsCancellationRequested).ConfigureAwait(false);
        }

        return facts;
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

    internal static async Task<EventPipeSession> StartSessionAsync(
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
    internal static async Task StopAsync(EventPipeSession session)
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

    /// <summary>A zombie counts as gone: it has exited, only its parent has not reaped it yet.</summary>
    internal static bool IsAlive(int pid) => ProcStat.Read(pid) is { IsZombie: false };
}
