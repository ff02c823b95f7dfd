using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry;

/// <summary>
/// Groups ExceptionThrown events by type and message and counts distinct failures. The runtime's event carries no
/// exception object id, and an exception travelling up an async chain is thrown again in every awaiting frame
/// (~4-5 events per failure for a pool timeout, measured) without the ReThrown flag. Measured: those rethrows come on
/// the same thread, back to back, within a fraction of a millisecond, while a new failure is preceded by a different
/// exception (its cause) or by a pause. So a throw counts as a rethrow when the previous throw on the same thread had
/// the same type and message and came less than <see cref="RethrowWindow"/> earlier.
/// </summary>
public sealed class ExceptionDeduplicator
{
    public static readonly TimeSpan RethrowWindow = TimeSpan.FromMilliseconds(20);

    private readonly Dictionary<(string Type, string Message), Group> _groups = new();
    private readonly Dictionary<int, (string Type, string Message, double Seconds)> _lastByThread = new();

    public int TotalEvents { get; private set; }

    /// <summary>Records one ExceptionThrown event; <paramref name="seconds"/> is the time since the session started.</summary>
    public void Add(string type, string message, int threadId, double seconds)
    {
        TotalEvents++;
        var key = (type, message);
        if (!_groups.TryGetValue(key, out var group))
        {
            group = new Group { FirstSeen = seconds };
            _groups[key] = group;
        }

        group.Events++;
        group.LastSeen = seconds;

        var isRethrow = _lastByThread.TryGetValue(threadId, out var last)
            && last.Type == type && last.Message == message
            && seconds - last.Seconds < RethrowWindow.TotalSeconds;
        if (!isRethrow)
        {
            group.Count++;
        }

        _lastByThread[threadId] = (type, message, seconds);
    }

    /// <summary>
    /// Forgets groups last seen more than <paramref name="keepSeconds"/> before the newest throw (and threads as quiet):
    /// a session that runs for days and sees messages with ids in them keeps a bounded set.
    /// </summary>
    public void Trim(double keepSeconds)
    {
        if (_groups.Count == 0)
        {
            return;
        }

        var before = _groups.Values.Max(g => g.LastSeen) - keepSeconds;
        foreach (var key in _groups.Where(kv => kv.Value.LastSeen < before).Select(kv => kv.Key).ToList())
        {
            _groups.Remove(key);
        }

        foreach (var thread in _lastByThread.Where(kv => kv.Value.Seconds < before).Select(kv => kv.Key).ToList())
        {
            _lastByThread.Remove(thread);
        }
    }

    /// <summary>Groups, most distinct failures first.</summary>
    public IReadOnlyList<ExceptionGroup> ToGroups() => _groups
        .Select(kv => new ExceptionGroup
        {
            Type = kv.Key.Type,
            Message = kv.Key.Message,
            Count = kv.Value.Count,
            Events = kv.Value.Events,
            FirstSeen = kv.Value.FirstSeen,
            LastSeen = kv.Value.LastSeen,
        })
        .OrderByDescending(g => g.Count).ThenBy(g => g.Type, StringComparer.Ordinal)
        .ToList();

    private sealed class Group
    {
        public int Count;
        public int Events;
        public double FirstSeen;
        public double LastSeen;
    }
}
