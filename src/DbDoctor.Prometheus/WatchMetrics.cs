using System.Globalization;
using DbDoctor.Model.Reports;
using DbDoctor.Model.Watch;
using DbDoctor.Rendering;
using Prometheus;

namespace DbDoctor.Prometheus;

/// <summary>
/// What <c>dbdoctor watch --prometheus</c> exposes, in a registry of its own (no process or runtime metrics of dbdoctor
/// itself): per watched process and pool the latest sample, the findings of the last snapshot, and the snapshots taken.
/// The exposition format is prometheus-net's. Pool names are redacted here, like in every other output.
/// </summary>
public sealed class WatchMetrics
{
    private static readonly string[] PoolLabels = ["pid", "process", "driver", "pool"];

    private readonly object _gate = new();
    private readonly Gauge _connections;
    private readonly Gauge _max;
    private readonly Gauge _pending;
    private readonly Counter _timeouts;
    private readonly Gauge _leakRate;
    private readonly Gauge _findings;
    private readonly Counter _snapshots;

    // Label values published per process, so a pool that disappears (or a process that exits) leaves no stale series.
    private readonly Dictionary<int, HashSet<(string Driver, string Pool)>> _pools = [];
    private readonly Dictionary<int, HashSet<(string Kind, string Severity)>> _findingLabels = [];
    private readonly Dictionary<int, string> _processNames = [];

    public WatchMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _connections = factory.CreateGauge("dbdoctor_pool_connections", "Connections of the pool by state (used: checked out, idle: pooled).",
            [.. PoolLabels, "state"]);
        _max = factory.CreateGauge("dbdoctor_pool_max_connections", "The pool's maximum size.", PoolLabels);
        _pending = factory.CreateGauge("dbdoctor_pool_pending_requests", "Requests waiting for a connection.", PoolLabels);
        _timeouts = factory.CreateCounter("dbdoctor_pool_timeouts_total", "Requests that timed out waiting for a connection, since dbdoctor attached.", PoolLabels);
        _leakRate = factory.CreateGauge("dbdoctor_leak_rate_per_minute", "How fast used connections climb (fitted to the last two minutes).", PoolLabels);
        _findings = factory.CreateGauge("dbdoctor_findings", "Findings of the last heap snapshot, by kind and severity (their object counts).",
            ["pid", "process", "kind", "severity"]);
        _snapshots = factory.CreateCounter("dbdoctor_snapshots_total", "Heap snapshots dbdoctor watch took of the process.", ["pid", "process"]);
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Publishes a target's latest sample; pools it no longer reports are removed.</summary>
    public void Update(WatchSample sample, string processName)
    {
        ArgumentNullException.ThrowIfNull(sample);
        lock (_gate)
        {
            var pid = Pid(sample.Pid);
            _processNames[sample.Pid] = processName;
            var seen = new HashSet<(string, string)>();
            foreach (var row in sample.Pools)
            {
                var pool = Redaction.Name(row.Pool);
                seen.Add((row.Driver, pool));
                string[] labels = [pid, processName, row.Driver, pool];
                Set(_connections, [.. labels, "used"], row.Used);
                Set(_connections, [.. labels, "idle"], row.Idle);
                Set(_max, labels, row.Max);
                Set(_pending, labels, row.Pending);
                Set(_leakRate, labels, row.LeakRatePerMinute);
                if (row.Timeouts is { } timeouts)
                {
                    _timeouts.WithLabels(labels).IncTo(timeouts);
                }
            }

            var known = _pools.TryGetValue(sample.Pid, out var before) ? before : [];
            foreach (var (driver, pool) in known.Where(k => !seen.Contains(k)))
            {
                RemovePool([pid, processName, driver, pool]);
            }

            _pools[sample.Pid] = seen;
        }
    }

    /// <summary>Replaces a target's findings with those of its latest report, and counts the snapshot.</summary>
    public void Snapshot(int targetPid, string processName, Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            var pid = Pid(targetPid);
            RemoveFindings(targetPid, processName);
            var labels = new HashSet<(string, string)>();
            foreach (var group in report.Findings.GroupBy(f => (f.Kind, f.Severity)))
            {
                labels.Add(group.Key);
                _findings.WithLabels(pid, processName, group.Key.Kind, group.Key.Severity).Set(group.Sum(f => Math.Max(1, f.Count)));
            }

            _findingLabels[targetPid] = labels;
            _snapshots.WithLabels(pid, processName).Inc();
        }
    }

    /// <summary>A target that exited: its series go (a restarted process comes back under its new pid).</summary>
    public void Forget(int targetPid)
    {
        lock (_gate)
        {
            if (!_processNames.Remove(targetPid, out var processName))
            {
                return;
            }

            var pid = Pid(targetPid);
            foreach (var (driver, pool) in _pools.GetValueOrDefault(targetPid) ?? [])
            {
                RemovePool([pid, processName, driver, pool]);
            }

            _pools.Remove(targetPid);
            RemoveFindings(targetPid, processName);
            _snapshots.RemoveLabelled(pid, processName);
        }
    }

    /// <summary>The exposition text, as a scrape would get it.</summary>
    public async Task<string> ExportAsync(CancellationToken ct = default)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, ct).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private void RemovePool(string[] labels)
    {
        _connections.RemoveLabelled([.. labels, "used"]);
        _connections.RemoveLabelled([.. labels, "idle"]);
        _max.RemoveLabelled(labels);
        _pending.RemoveLabelled(labels);
        _leakRate.RemoveLabelled(labels);
        _timeouts.RemoveLabelled(labels);
    }

    private void RemoveFindings(int targetPid, string processName)
    {
        foreach (var (kind, severity) in _findingLabels.GetValueOrDefault(targetPid) ?? [])
        {
            _findings.RemoveLabelled(Pid(targetPid), processName, kind, severity);
        }

        _findingLabels.Remove(targetPid);
    }

    /// <summary>A value the driver did not report is no series rather than a made-up zero.</summary>
    private static void Set(Gauge gauge, string[] labels, double? value)
    {
        if (value is { } v)
        {
            gauge.WithLabels(labels).Set(v);
        }
        else
        {
            gauge.RemoveLabelled(labels);
        }
    }

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);
}
