using System.Globalization;
using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Origins;

/// <summary>
/// Joins the heap's connections to the operations <c>attach --trace</c> recorded, by driver and the server's id of the
/// session (both sides know it: the heap reads it from the driver's connection object, the driver tags its activities
/// with it), and picks the operation that began the connection's current use: the latest checkout where the driver
/// marks each checkout, else the latest operation on the session (a leaked session runs nothing after its leak).
/// Pure: facts in, origins and evidence out.
/// </summary>
public sealed class OriginAttribution
{
    /// <summary>Application frames spelled out in an evidence line (the JSON carries them all).</summary>
    public const int FramesPerLine = 3;

    private readonly TraceFacts _trace;
    private readonly DriverCatalog _drivers;
    private readonly Dictionary<(string Driver, int Pid), List<TracedOperation>> _bySession;

    private OriginAttribution(TraceFacts trace, DriverCatalog drivers)
    {
        _trace = trace;
        _drivers = drivers;
        // Operations that started after the snapshot was written cannot explain what the snapshot shows.
        var cut = trace.SnapshotAt ?? trace.StoppedAt ?? DateTimeOffset.MaxValue;
        _bySession = trace.Operations
            .Where(o => o.ServerPid is not null && o.Time <= cut)
            .GroupBy(o => (o.Driver, o.ServerPid!.Value))
            .ToDictionary(g => g.Key, g => g.OrderBy(o => o.Time).ToList());
    }

    /// <summary>Null when the report was not traced.</summary>
    public static OriginAttribution? For(TraceFacts? trace, DriverCatalog drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        return trace is null ? null : new OriginAttribution(trace, drivers);
    }

    /// <summary>Whether tracing could have seen this connection's operations at all (its driver was traced and the heap knows its session id).</summary>
    public bool CanTrace(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.ServerPid is not null && _trace.Drivers.Contains(connection.Driver, StringComparer.Ordinal);
    }

    /// <summary>The traced operation that began the connection's current checkout (or transaction); null when none was traced.</summary>
    public TracedOperation? OriginOf(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!CanTrace(connection) || !_bySession.TryGetValue((connection.Driver, connection.ServerPid!.Value), out var operations))
        {
            return null;
        }

        if (_drivers.Resolve(connection.Driver).Activities is { OpenIsCheckout: true }
            && operations.LastOrDefault(o => o.Operation == TracedOperations.Open) is { } checkout)
        {
            // The transaction began inside this checkout: its begin names the code better than the open, when traced.
            var begin = connection.Transaction is { Open: true }
                ? operations.LastOrDefault(o => o.Operation == TracedOperations.BeginTransaction && o.Time >= checkout.Time)
                : null;
            return begin ?? checkout;
        }

        return operations[^1];
    }

    /// <summary>
    /// Origins of one finding's connections: each connection's origin (by address), the groups by application frames
    /// (largest first), and the evidence lines: the coverage ("Origin known for 6 of 9 leaked transactions; ...") and
    /// one line per origin group.
    /// </summary>
    public FindingOrigins Attribute(IReadOnlyList<ConnectionFact> connections, string noun, int maxGroups)
    {
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(noun);
        var origins = new Dictionary<ulong, OriginReport>();
        foreach (var connection in connections)
        {
            if (OriginOf(connection) is { } operation)
            {
                origins[connection.Address] = ToReport(operation);
            }
        }

        var groups = origins.Values
            .GroupBy(o => string.Join("\n", o.Frames), StringComparer.Ordinal)
            .Select(g => new OriginGroup { Frames = g.First().Frames, Count = g.Count() })
            .OrderByDescending(g => g.Count).ThenBy(g => string.Join("\n", g.Frames), StringComparer.Ordinal)
            .ToList();

        var evidence = new List<string> { Coverage(connections, origins, noun) };
        evidence.AddRange(groups.Take(maxGroups).Select(g => $"Origin: {g.Count} of {connections.Count} from {FramesText(g.Frames)}"));
        if (groups.Count > maxGroups)
        {
            evidence.Add($"Origin: {groups.Skip(maxGroups).Sum(g => g.Count)} more from {groups.Count - maxGroups} other call sites");
        }

        return new FindingOrigins(origins, groups, evidence);
    }

    /// <summary>"A ← B ← C" (the first <see cref="FramesPerLine"/> application frames), or why there are none.</summary>
    public static string FramesText(IReadOnlyList<string> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0)
        {
            return "no application frame (the stack shows driver and framework code only)";
        }

        var shown = string.Join(" ← ", frames.Take(FramesPerLine));
        return frames.Count > FramesPerLine ? shown + " ← …" : shown;
    }

    public static OriginReport ToReport(TracedOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var hints = HintsOf(operation.Frames);
        return new OriginReport
        {
            Operation = operation.Operation,
            Time = operation.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            Sql = operation.Sql is null ? null : Text.OneLine(operation.Sql),
            Frames = operation.Frames.Where(f => f.Owner == FrameOwners.Application).Select(f => Display(f, hints)).ToList(),
            Stack = operation.Frames.Select(f => Display(f, hints)).ToList(),
        };
    }

    /// <summary>The frame in C# terms ("async Shop.Jobs.RunAsync", "lambda in Program.Main"), with file:line when known.</summary>
    private static string Display(TracedFrame frame, CodeNameHints hints) => (frame with { Method = CodeNames.Signature(frame.Method, hints) }).ToString();

    /// <summary>
    /// What a state machine's name does not say, from who called its MoveNext: the runtime's async machinery
    /// (a builder's Start, a continuation, the execution context) runs an async method; code that enumerates runs an iterator.
    /// </summary>
    private static CodeNameHints HintsOf(IReadOnlyList<TracedFrame> frames)
    {
        var hints = new CodeNameHints();
        for (var i = 0; i < frames.Count; i++)
        {
            var method = frames[i].Method;
            if (!method.EndsWith(".MoveNext", StringComparison.Ordinal) || !method.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            var caller = i + 1 < frames.Count ? frames[i + 1] : null;
            var async = caller is { Owner: FrameOwners.Framework }
                        && (caller.Method.StartsWith("System.Runtime.CompilerServices.", StringComparison.Ordinal)
                            || caller.Method.StartsWith("System.Threading.", StringComparison.Ordinal));
            hints.AddStateMachine(method[..^".MoveNext".Length], caller is null ? StateMachineKind.Unknown : async ? StateMachineKind.Async : StateMachineKind.Iterator);
        }

        return hints;
    }

    private string Coverage(IReadOnlyList<ConnectionFact> connections, Dictionary<ulong, OriginReport> origins, string noun)
    {
        var known = connections.Count(c => origins.ContainsKey(c.Address));
        var untraceable = connections.Count(c => !CanTrace(c));
        var before = connections.Count - known - untraceable;
        var line = $"Origin known for {known} of {Wording.Count(connections.Count, noun)}";
        var parts = new List<string>();
        if (before > 0)
        {
            parts.Add($"{before} last ran before tracing began (run with a longer --duration)");
        }

        if (untraceable > 0)
        {
            parts.Add($"{untraceable} cannot be traced (the driver publishes no activities, or the heap does not show the server's session id)");
        }

        return parts.Count == 0 ? line : line + "; " + string.Join("; ", parts);
    }
}

/// <summary>One finding's origins: per connection address, grouped, and as evidence lines.</summary>
public sealed record FindingOrigins(
    IReadOnlyDictionary<ulong, OriginReport> ByAddress, IReadOnlyList<OriginGroup> Groups, IReadOnlyList<string> Evidence);
