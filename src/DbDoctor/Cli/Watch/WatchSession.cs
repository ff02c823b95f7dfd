using System.Globalization;
using DbDoctor.Diagnosis.Watch;
using DbDoctor.Model;
using DbDoctor.Model.Reports;
using DbDoctor.Prometheus;
using DbDoctor.Rendering;
using DbDoctor.Rendering.Watch;
using DbDoctor.Telemetry;

namespace DbDoctor.Cli.Watch;

/// <summary>
/// The loop of <c>dbdoctor watch</c>: keeps one telemetry session per watched process, once a second shows each pool
/// (a table on a terminal, JSON lines otherwise), evaluates the triggers, and when one fires takes a heap snapshot,
/// diagnoses it with the telemetry so far, writes the report and goes on watching.
/// </summary>
public sealed class WatchSession(WatchSettings settings, WatchDisplay display, WatchMetrics? metrics)
{
    private static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(3);

    private readonly Dictionary<int, WatchedTarget> _targets = [];

    /// <summary>Processes that could not be attached, and when: not retried on every scan.</summary>
    private readonly Dictionary<int, DateTime> _refused = [];

    public IReadOnlyCollection<WatchedTarget> Targets => _targets.Values;

    public int SnapshotsTaken { get; private set; }

    /// <summary>Runs until cancelled (or, for a single pid, until it exits). Returns normally on cancellation.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var reportDirectory = ReportFiles.Prepare(settings.ReportDirectory);
        try
        {
            if (settings.Selector.Pid is { } pid)
            {
                // A single pid that cannot be attached is bad input (exit 2), like attach.
                await AddAsync(pid, ct).ConfigureAwait(false);
            }
            else
            {
                display.Event($"watching {settings.Selector.Describe()}; waiting for them to appear");
            }

            var lastScan = DateTime.MinValue;
            while (!ct.IsCancellationRequested)
            {
                if (settings.Selector.Follows && DateTime.UtcNow - lastScan >= ScanInterval)
                {
                    lastScan = DateTime.UtcNow;
                    await ScanAsync(ct).ConfigureAwait(false);
                }

                await TickAsync(reportDirectory, ct).ConfigureAwait(false);
                if (!settings.Selector.Follows && _targets.Count == 0)
                {
                    return; // the one watched process exited (already reported)
                }

                await Task.Delay(settings.Refresh, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            foreach (var target in _targets.Values)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }

            _targets.Clear();
        }
    }

    private async Task ScanAsync(CancellationToken ct)
    {
        var found = ProcessMatcher.Find(settings.Selector);
        foreach (var pid in found.Where(p => !_targets.ContainsKey(p)))
        {
            if (_refused.TryGetValue(pid, out var when) && DateTime.UtcNow - when < TimeSpan.FromMinutes(1))
            {
                continue;
            }

            try
            {
                await AddAsync(pid, ct).ConfigureAwait(false);
            }
            catch (DbDoctorInputException e)
            {
                // One process that cannot be watched (exiting, another user's) must not stop the others.
                _refused[pid] = DateTime.UtcNow;
                display.Event($"process {pid}: not watched: {e.Message}");
            }
        }

        foreach (var pid in _refused.Keys.Where(p => !found.Contains(p)).ToList())
        {
            _refused.Remove(pid);
        }
    }

    private async Task AddAsync(int pid, CancellationToken ct)
    {
        var session = await LiveTelemetrySession.StartAsync(pid, new TelemetryOptions { Duration = Timeout.InfiniteTimeSpan }, ct).ConfigureAwait(false);
        var name = ProcessMatcher.DisplayName(pid);
        _targets[pid] = new WatchedTarget(session, new SnapshotGate(settings.Cooldown, settings.MaxSnapshots), name);
        display.Event($"process {pid}: watching ({name})");
    }

    private async Task TickAsync(string reportDirectory, CancellationToken ct)
    {
        var samples = new List<Model.Watch.WatchSample>();
        foreach (var target in _targets.Values.ToList())
        {
            if (target.StreamEnded)
            {
                var exited = (await target.Session.StopAsync(expectedToRun: true).ConfigureAwait(false)).TargetExited;
                _targets.Remove(target.Pid);
                metrics?.Forget(target.Pid);
                display.Event(exited
                    ? $"process {target.Pid}: exited" + (settings.Selector.Follows ? "; it will be picked up again when it comes back" : "")
                    : $"process {target.Pid}: its diagnostic session ended");
                continue;
            }

            var facts = target.Read(settings.History);
            var sample = target.Sample(facts);
            samples.Add(sample);
            metrics?.Update(sample, target.Name);
            var fired = WatchedTarget.Fired(facts, settings.Triggers);
            if (fired.Count > 0 && target.Gate.Allows(target.Session.Elapsed) && !ct.IsCancellationRequested)
            {
                await SnapshotAsync(target, fired, facts, reportDirectory, ct).ConfigureAwait(false);
            }
        }

        display.Show(samples);
    }

    private async Task SnapshotAsync(WatchedTarget target, IReadOnlyList<TriggerFiring> fired, Model.Facts.TelemetryFacts facts,
        string reportDirectory, CancellationToken ct)
    {
        target.Gate.Taking(target.Session.Elapsed);
        SnapshotsTaken++;
        var first = fired[0];
        var what = $"{first.Reason} (pool '{Redaction.Name(first.Pool)}')" + (fired.Count > 1 ? $" and {fired.Count - 1} more" : "");
        var trigger = new TriggerReport
        {
            Condition = first.Trigger.Text,
            Reason = first.Reason,
            Driver = first.Driver,
            Pool = first.Pool,
            FiredAt = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            AlsoFired = fired.Skip(1).Select(f => $"{f.Reason} (pool '{f.Pool}')").ToList(),
        };
        var attach = new AttachSettings { Pid = target.Pid, Duration = target.Session.Elapsed, MaxSqlLength = settings.MaxSqlLength };
        var report = await AttachSession.DiagnoseAsync(attach, facts, watch: null, ct).ConfigureAwait(false);
        report = report with { Trigger = trigger };
        target.LastReport = report;
        var path = ReportFiles.Write(reportDirectory, report, target.Pid, DateTime.UtcNow);
        metrics?.Snapshot(target.Pid, target.Name, report);
        var pause = report.Snapshot?.TargetPauseSeconds is { } p
            ? string.Create(CultureInfo.InvariantCulture, $"target paused {(report.Snapshot.TargetPauseIsUpperBound ? "at most " : "")}{p:0.00} s")
            : "no heap snapshot";
        var problems = report.Findings.Where(f => f.Severity is Severities.Error or Severities.Warning).Select(f => f.Kind).Distinct().ToList();
        var left = target.Gate.Exhausted ? "; no more snapshots (--max-snapshots)" : "";
        display.Event($"process {target.Pid}: fired {what}; {pause}; findings: {(problems.Count == 0 ? "none" : string.Join(", ", problems))}; report {path}{left}");
    }
}
