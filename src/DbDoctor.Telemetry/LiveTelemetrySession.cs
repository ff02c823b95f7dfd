using System.Diagnostics;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace DbDoctor.Telemetry;

/// <summary>
/// One EventPipe session against a live process that stays open until stopped: <c>attach</c> listens for a window,
/// <c>watch</c> for as long as it runs. <see cref="Facts"/> reads what was heard so far at any moment; <see cref="StopAsync"/>
/// stops the session, drains the last events and returns the final facts. The target is never suspended.
/// </summary>
public sealed class LiveTelemetrySession : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(3);

    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly TelemetryEventHandler _listener;
    private readonly Task _processing;
    private readonly Stopwatch _clock;
    private readonly IReadOnlyList<string> _versionWarnings;
    private readonly object _stopGate = new();
    private Task<TelemetryFacts>? _stopping;
    private TimeSpan? _keep;

    private LiveTelemetrySession(int pid, EventPipeSession session, EventPipeEventSource source, TelemetryEventHandler listener,
        Task processing, Stopwatch clock, IReadOnlyList<string> versionWarnings)
    {
        Pid = pid;
        _session = session;
        _source = source;
        _listener = listener;
        _processing = processing;
        _clock = clock;
        _versionWarnings = versionWarnings;
    }

    public int Pid { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Completes when the event stream ends: the session was stopped, or the target exited.</summary>
    public Task Completion => _processing;

    /// <summary>Opens the session (bad input as <see cref="Model.DbDoctorInputException"/>: not .NET, no socket, no permission).</summary>
    public static async Task<LiveTelemetrySession> StartAsync(int pid, TelemetryOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        DiagnosticSocket.EnsureAttachable(pid);
        var (drivers, versionWarnings) = TelemetryCollector.DriversOf(pid, options.Drivers);
        var clientId = "dbdoctor-" + Guid.NewGuid().ToString("N");
        var session = await TelemetryCollector.StartSessionAsync(pid, options, drivers, clientId, ct).ConfigureAwait(false);
        var listener = new TelemetryEventHandler(options.RefreshIntervalSeconds, drivers, clientId);
        var clock = Stopwatch.StartNew();
        EventPipeEventSource? source = null;
        try
        {
            source = new EventPipeEventSource(session.EventStream);
            listener.Subscribe(source, options.IncludeExceptions);
            var processing = Task.Run(source.Process, CancellationToken.None);
            return new LiveTelemetrySession(pid, session, source, listener, processing, clock, versionWarnings);
        }
        catch
        {
            await TelemetryCollector.StopAsync(session).ConfigureAwait(false);
            session.Dispose();
            source?.Dispose();
            throw;
        }
    }

    public TelemetryProgress Progress(TimeSpan total) => _listener.Progress(_clock.Elapsed, total);

    /// <summary>
    /// Forgets samples older than <paramref name="window"/> before the newest: memory stays flat for days. The facts'
    /// window is then at most that long (cumulative counts and the pending baseline survive the trim).
    /// </summary>
    public void Trim(TimeSpan window)
    {
        _keep = window;
        _listener.Trim(window);
    }

    /// <summary>What was heard so far; the session keeps running. The target is taken as running.</summary>
    public TelemetryFacts Facts() =>
        WithVersionWarnings(_listener.CurrentFacts(Window(), _processing.IsCompleted ? _processing.Exception?.GetBaseException() : null));

    /// <summary>
    /// Stops the session, waits for the last events, and returns the final facts, saying whether the target exited (a
    /// stream that ended on its own while <paramref name="expectedToRun"/> means the runtime shut down: give it a moment
    /// to be gone). Later calls return the same facts.
    /// </summary>
    public Task<TelemetryFacts> StopAsync(bool expectedToRun)
    {
        lock (_stopGate)
        {
            return _stopping ??= StopOnceAsync(expectedToRun);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(expectedToRun: false).ConfigureAwait(false);

    private async Task<TelemetryFacts> StopOnceAsync(bool expectedToRun)
    {
        var window = Window();
        var streamEndedEarly = _processing.IsCompleted && expectedToRun;
        await TelemetryCollector.StopAsync(_session).ConfigureAwait(false);

        // Stop flushes the remaining events; the stream then ends and Process returns.
        var drained = await Task.WhenAny(_processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false) == _processing;
        _session.Dispose();
        if (!drained)
        {
            _source.StopProcessing();
            await Task.WhenAny(_processing, Task.Delay(StopTimeout, CancellationToken.None)).ConfigureAwait(false);
        }

        var exited = streamEndedEarly ? await WaitForExitAsync(Pid, ExitGrace).ConfigureAwait(false) : !TelemetryCollector.IsAlive(Pid);
        // ToFacts closes the handler under its lock: a reader thread still running after the drain timeout can no longer
        // change the facts, and the source is disposed once that thread is done with it.
        var facts = _listener.ToFacts(window, exited, _processing.Exception?.GetBaseException());
        DisposeWhenDone();
        return WithVersionWarnings(facts);
    }

    private TimeSpan Window() => _keep is { } keep && keep < _clock.Elapsed ? keep : _clock.Elapsed;

    private TelemetryFacts WithVersionWarnings(TelemetryFacts facts) =>
        _versionWarnings.Count == 0 ? facts : facts with { Warnings = [.. _versionWarnings, .. facts.Warnings] };

    private void DisposeWhenDone()
    {
        if (_processing.IsCompleted)
        {
            _source.Dispose();
        }
        else
        {
            _ = _processing.ContinueWith(_ => _source.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>A runtime shutting down closes its sessions first and lingers a little: give it time to be gone.</summary>
    private static async Task<bool> WaitForExitAsync(int pid, TimeSpan grace)
    {
        var clock = Stopwatch.StartNew();
        while (TelemetryCollector.IsAlive(pid))
        {
            if (clock.Elapsed > grace)
            {
                return false;
            }

            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }
}
