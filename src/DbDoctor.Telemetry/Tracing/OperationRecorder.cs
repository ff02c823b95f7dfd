using System.Globalization;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>
/// Turns the bridge's ActivityStart/ActivityStop events into traced operations. A driver may tag its activity only
/// when it stops (the start carries no tags), so a start is kept by activity id with its stack, and completed by its
/// stop with the tags (server session id, SQL). Thread-safe: the event thread writes, the caller reads facts.
/// </summary>
public sealed class OperationRecorder
{
    /// <summary>Above this many operations, only the newest ones per server session (and those of unknown session) are kept.</summary>
    public const int CompactAbove = 100_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, (string Driver, DriverActivities Activities)> _bySource;
    private readonly Dictionary<string, TracedOperation> _started = new(StringComparer.Ordinal);
    private readonly List<TracedOperation> _completed = [];
    private int _traced;

    public OperationRecorder(DriverCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _bySource = catalog.Profiles.Where(p => p.Activities is not null)
            .ToDictionary(p => p.Activities!.Source, p => (p.Name, p.Activities!), StringComparer.Ordinal);
    }

    /// <summary>The drivers listened to.</summary>
    public IReadOnlyList<string> Drivers => _bySource.Values.Select(v => v.Driver).ToList();

    /// <summary>Activity sources to enable, one per driver that publishes activities.</summary>
    public IReadOnlyList<string> Sources => _bySource.Keys.ToList();

    /// <summary>An activity started: remembered by its id with the stack that started it.</summary>
    public void Start(ActivityPayload payload, DateTimeOffset time, Func<IReadOnlyList<TracedFrame>> frames)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(frames);
        if (!_bySource.TryGetValue(payload.SourceName, out var driver))
        {
            return;
        }

        var operation = Build(driver, payload, time, frames(), stopped: false);
        lock (_gate)
        {
            _traced++;
            if (operation.ActivityId is { } id)
            {
                _started[id] = operation;
            }
            else
            {
                _completed.Add(operation);
            }
        }
    }

    /// <summary>An activity stopped: its start (when seen) gets the tags the driver set meanwhile.</summary>
    public void Stop(ActivityPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (!_bySource.TryGetValue(payload.SourceName, out var driver) || !payload.Arguments.TryGetValue("Id", out var id))
        {
            return;
        }

        lock (_gate)
        {
            // A stop without its start began before tracing did: its stack is unknown, so it explains nothing.
            if (!_started.Remove(id, out var started))
            {
                return;
            }

            var stopped = Build(driver, payload, started.Time, started.Frames, stopped: true);
            _completed.Add(stopped with
            {
                ServerPid = stopped.ServerPid ?? started.ServerPid,
                Sql = stopped.Sql ?? started.Sql,
            });
            if (_completed.Count > CompactAbove)
            {
                Compact();
            }
        }
    }

    /// <summary>Everything recorded so far, completed and still running, in start order.</summary>
    public (IReadOnlyList<TracedOperation> Operations, int Traced) Snapshot()
    {
        lock (_gate)
        {
            return ([.. _completed.Concat(_started.Values).OrderBy(o => o.Time)], _traced);
        }
    }

    private static TracedOperation Build(
        (string Driver, DriverActivities Activities) driver, ActivityPayload payload, DateTimeOffset time, IReadOnlyList<TracedFrame> frames, bool stopped)
    {
        var tags = ActivityPayload.ParseTags(payload.Arguments.GetValueOrDefault("Tags"));
        var name = payload.Arguments.GetValueOrDefault("OperationName") is { Length: > 0 } operationName ? operationName : payload.ActivityName;
        var sql = DriverActivities.First(tags, driver.Activities.SqlTags);
        var pid = DriverActivities.First(tags, driver.Activities.ServerPidTags);
        return new TracedOperation
        {
            Driver = driver.Driver,
            Operation = driver.Activities.OperationOf(name, sql),
            Time = time,
            ServerPid = int.TryParse(pid, NumberStyles.Integer, CultureInfo.InvariantCulture, out var serverPid) ? serverPid : null,
            Sql = sql,
            ActivityId = payload.Arguments.GetValueOrDefault("Id"),
            Stopped = stopped,
            Frames = frames,
        };
    }

    /// <summary>Keeps, per server session, the newest operation and the newest open: all the attribution reads.</summary>
    private void Compact()
    {
        var keep = new HashSet<TracedOperation>(ReferenceEqualityComparer.Instance);
        foreach (var group in _completed.Where(o => o.ServerPid is not null).GroupBy(o => (o.Driver, o.ServerPid)))
        {
            keep.Add(group.MaxBy(o => o.Time)!);
            if (group.Where(o => o.Operation == TracedOperations.Open).MaxBy(o => o.Time) is { } open)
            {
                keep.Add(open);
            }
        }

        _completed.RemoveAll(o => o.ServerPid is not null && !keep.Contains(o));
        // Operations that never said their session cannot be joined; the newest few are enough to count.
        if (_completed.Count > CompactAbove)
        {
            _completed.RemoveRange(0, _completed.Count - CompactAbove / 2);
        }
    }
}
