using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Watch;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Model.Watch;
using DbDoctor.Telemetry;

namespace DbDoctor.Cli.Watch;

/// <summary>One process being watched: its long-lived telemetry session, its snapshot gate, and its last report.</summary>
public sealed class WatchedTarget(LiveTelemetrySession session, SnapshotGate gate, string name) : IAsyncDisposable
{
    private static readonly DiagnosisOptions Options = new();

    public int Pid => session.Pid;

    /// <summary>The program or .dll name (see <see cref="ProcessMatcher.DisplayName"/>).</summary>
    public string Name => name;
    public LiveTelemetrySession Session => session;
    public SnapshotGate Gate => gate;

    /// <summary>The findings of the last snapshot (for /metrics); empty before the first.</summary>
    public Report? LastReport { get; set; }

    public bool StreamEnded => session.Completion.IsCompleted;

    /// <summary>The telemetry so far, trimmed to the history window first.</summary>
    public TelemetryFacts Read(TimeSpan history)
    {
        session.Trim(history);
        return session.Facts();
    }

    public WatchSample Sample(TelemetryFacts facts) => new()
    {
        Time = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        Pid = Pid,
        WatchedSeconds = Math.Round(session.Elapsed.TotalSeconds, 1),
        Pools = WatchRows.From(facts, Options),
        SnapshotsTaken = gate.Taken,
    };

    /// <summary>The triggers true for any pool now.</summary>
    public static IReadOnlyList<TriggerFiring> Fired(TelemetryFacts facts, IReadOnlyList<Trigger> triggers) =>
        facts.Pools.SelectMany(p => TriggerEvaluator.Evaluate(triggers, p, Options)).ToList();

    public ValueTask DisposeAsync() => session.DisposeAsync();
}
