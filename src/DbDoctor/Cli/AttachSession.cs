using DbDoctor.Diagnosis;
using DbDoctor.Drivers;
using DbDoctor.Heap;
using DbDoctor.Heap.Isolation;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Telemetry;
using DbDoctor.Telemetry.Sockets;
using DbDoctor.Telemetry.Tracing;

namespace DbDoctor.Cli;

public sealed record AttachSettings
{
    public required int Pid { get; init; }
    public required TimeSpan Duration { get; init; }
    public bool NoHeap { get; init; }
    public string? KeepDumpPath { get; init; }
    public int MaxSqlLength { get; init; } = 200;
    public TimeSpan? ServerIdleTimeout { get; init; }
    public string? ServerConnectionString { get; init; }

    /// <summary>--trace: record the drivers' activities with their call stacks, to name each leak's origin.</summary>
    public bool Trace { get; init; }
}

/// <summary>
/// The wiring of <c>dbdoctor attach</c>: listen to the live telemetry for a window, then (unless --no-heap) snapshot
/// the heap and analyse it with the dump engine, count the target's database sockets, and diagnose everything together.
/// </summary>
public static class AttachSession
{
    public static async Task<Report> RunAsync(AttachSettings settings, CancellationToken ct)
    {
        var status = new LiveStatus();
        // Started before the telemetry window so the whole window is traced; stopped right after the heap snapshot.
        await using var tracer = settings.Trace && !settings.NoHeap
            ? await OperationTracer.StartAsync(settings.Pid, DriverCatalog.Default, ct).ConfigureAwait(false)
            : null;
        // Sampled through the whole window: TIME-WAIT sockets belong to no process, so only a watch ties them to the target.
        await using var watch = SocketWatch.Start(settings.Pid);
        var telemetry = await TelemetryCollector.CollectAsync(
            settings.Pid, new TelemetryOptions { Duration = settings.Duration }, status, ct).ConfigureAwait(false);
        status.Done();
        ct.ThrowIfCancellationRequested();
        return await DiagnoseAsync(settings, telemetry, watch, ct, tracer).ConfigureAwait(false);
    }

    /// <summary>
    /// What follows the telemetry: the heap snapshot (unless --no-heap or the target exited), the server's idle timeout,
    /// the sockets <paramref name="watch"/> saw (none without one), and the diagnosis of everything together.
    /// <c>watch</c> calls this when a trigger fires, with the telemetry heard so far.
    /// </summary>
    public static async Task<Report> DiagnoseAsync(
        AttachSettings settings, TelemetryFacts telemetry, SocketWatch? watch, CancellationToken ct, OperationTracer? tracer = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(telemetry);
        var warnings = new List<string>();
        if (telemetry.TargetExited)
        {
            warnings.Add($"Process {settings.Pid} exited during the telemetry window, so no heap snapshot was taken.");
            await Console.Error.WriteLineAsync($"dbdoctor: process {settings.Pid} exited during the window; reporting what was collected.").ConfigureAwait(false);
        }

        if (settings.NoHeap)
        {
            warnings.Add("No heap snapshot was taken (--no-heap): the findings come from the live telemetry alone, and the target was never paused.");
            if (settings.Trace)
            {
                warnings.Add("--trace was ignored: origins are joined to the heap's connections, and --no-heap takes no snapshot.");
            }
        }

        HeapFacts? heap = null;
        double? pauseSeconds = null;
        var pauseIsUpperBound = false;
        string? keptDump = null;
        if (!settings.NoHeap && !telemetry.TargetExited)
        {
            var progress = new StderrProgress();
            progress.Report("writing a heap snapshot (the target pauses while the runtime writes it)...");
            // Ctrl+C here: the snapshot and the analysis end cancelled, and leaving this scope removes the dump.
            using var snapshot = await HeapSnapshotter.WriteAsync(settings.Pid, settings.KeepDumpPath, ct).ConfigureAwait(false);
            if (tracer is not null)
            {
                // Stopped only now: a connection checked out just before the snapshot still has its origin.
                var snapshotAt = DateTimeOffset.UtcNow;
                telemetry = telemetry with { Trace = await tracer.StopAsync().ConfigureAwait(false) with { SnapshotAt = snapshotAt } };
            }

            pauseSeconds = snapshot.TargetPause.TotalSeconds;
            pauseIsUpperBound = !snapshot.PauseMeasured;
            progress.Report($"snapshot written; target paused {pauseSeconds:0.00} s; analysing...");
            heap = await IsolatedHeapAnalysis.AnalyzeDumpAsync(
                snapshot.Path, new HeapAnalysisOptions { MaxSqlLength = settings.MaxSqlLength }, progress, WorkerLaunch.Current(), ct).ConfigureAwait(false);
            keptDump = snapshot.Keep ? snapshot.Path : null;
        }

        // Without a heap, the process's memory map says which drivers it loaded: the pools telemetry may not have seen.
        var listed = heap is null ? ProcessLister.List().FirstOrDefault(p => p.Pid == settings.Pid) : null;
        var target = new TargetInfo
        {
            Kind = "process",
            Pid = settings.Pid,
            RuntimeVersion = heap?.Target.RuntimeVersion ?? listed?.RuntimeVersion,
        };
        // --server is asked through the driver the target uses (when one of its drivers has a server probe).
        var driversSeen = (heap?.Drivers.Select(d => d.Name) ?? []).Concat(telemetry.Pools.Select(p => p.Driver));
        var poolEndpoints = (heap?.Pools.Select(p => (p.Driver, p.Host, p.Port)) ?? [])
            .Concat(telemetry.Pools.Select(p => (p.Driver, ConnectionStrings.EndpointOf(p.Name)?.Host, ConnectionStrings.EndpointOf(p.Name)?.Port)));
        var serverDriver = settings.ServerConnectionString is { } serverString
            ? DriverCatalog.Default.ServerProbeFor(serverString, poolEndpoints, driversSeen)
            : DriverCatalog.Default.ServerProbeFor(driversSeen);
        var (idleTimeout, idleTimeoutSource) = await ServerIdleTimeoutAsync(settings, serverDriver, warnings, ct).ConfigureAwait(false);
        var serverSessions = await ServerSessionsAsync(settings, serverDriver, heap, warnings, ct).ConfigureAwait(false);
        var sockets = watch is null ? null
            : await watch.StopAsync(DatabaseEndpoints.From(heap, telemetry, settings.ServerConnectionString, serverDriver?.Name)).ConfigureAwait(false);

        var report = Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = target,
            Heap = heap is null ? null : heap with { Target = target },
            Telemetry = telemetry,
            Sockets = sockets,
            ServerIdleTimeoutSeconds = idleTimeout,
            ServerIdleTimeoutSource = idleTimeoutSource,
            ServerSessions = serverSessions,
            LoadedDrivers = listed?.Drivers.Select(d => d.Name).ToList() ?? [],
        });

        return report with
        {
            // No heap (--no-heap, or the target exited): no snapshot section, rather than one that reads "0 objects".
            Snapshot = report.Snapshot is null
                ? null
                : report.Snapshot with { TargetPauseSeconds = pauseSeconds, TargetPauseIsUpperBound = pauseIsUpperBound, DumpPath = keptDump },
            Warnings = [.. warnings, .. report.Warnings],
            // A target that died before it could be looked at is not a healthy one; nor is one whose pools telemetry cannot see.
            Inconclusive = telemetry.TargetExited && heap is null
                ? $"the target (process {settings.Pid}) exited during the observation window, before its heap could be read"
                : report.Inconclusive,
        };
    }

    private static async Task<(double? Seconds, string? Source)> ServerIdleTimeoutAsync(
        AttachSettings settings, DriverProfile? serverDriver, List<string> warnings, CancellationToken ct)
    {
        if (settings.ServerIdleTimeout is { } given)
        {
            return (given.TotalSeconds, $"--server-idle-timeout {given.TotalSeconds:0.###}s");
        }

        if (settings.ServerConnectionString is null || serverDriver?.Server is not { } probe)
        {
            return (null, null);
        }

        try
        {
            var timeouts = await probe.AskAsync(settings.ServerConnectionString, ct).ConfigureAwait(false);
            return (timeouts.IdleSessionTimeoutSeconds, timeouts.Source);
        }
        catch (DbDoctorInputException e)
        {
            // The server is optional evidence: the diagnosis goes on without it and says so.
            warnings.Add(e.Message);
            return (null, null);
        }
    }

    /// <summary>The server's view of the sessions of the heap's connections of the --server driver, joined later by server pid.</summary>
    private static async Task<ServerSessionFacts?> ServerSessionsAsync(
        AttachSettings settings, DriverProfile? serverDriver, HeapFacts? heap, List<string> warnings, CancellationToken ct)
    {
        if (settings.ServerConnectionString is null || serverDriver?.Server is not { } probe || heap is null)
        {
            return null;
        }

        var pids = heap.Connections.Where(c => c.Driver == serverDriver.Name).Select(c => c.ServerPid).OfType<int>().Distinct().ToList();
        if (pids.Count == 0)
        {
            return null;
        }

        try
        {
            return await probe.ReadSessionsAsync(settings.ServerConnectionString, pids, ct).ConfigureAwait(false);
        }
        catch (DbDoctorInputException e)
        {
            warnings.Add(e.Message);
            return null;
        }
    }
}
