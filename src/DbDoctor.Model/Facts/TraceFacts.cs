namespace DbDoctor.Model.Facts;

/// <summary>
/// What <c>attach --trace</c> recorded while its window ran: the drivers' own activities (connection opens, commands),
/// each with the managed call stack that started it. Plain data; the diagnosis joins it to the heap's connections.
/// </summary>
public sealed record TraceFacts
{
    /// <summary>When the trace session began delivering events (UTC): operations before this moment were not seen.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When tracing stopped (UTC), just after the heap snapshot was written.</summary>
    public DateTimeOffset? StoppedAt { get; init; }

    /// <summary>
    /// When the heap snapshot had been written (UTC; the target is paused while it is written): operations that started
    /// later cannot explain what the snapshot shows.
    /// </summary>
    public DateTimeOffset? SnapshotAt { get; init; }

    /// <summary>Drivers whose activities were listened to (a connection of any other driver can have no traced origin).</summary>
    public IReadOnlyList<string> Drivers { get; init; } = [];

    /// <summary>Traced operations in start order (on a long, busy window only the newest per session are kept).</summary>
    public IReadOnlyList<TracedOperation> Operations { get; init; } = [];

    /// <summary>How many driver operations started while tracing ran.</summary>
    public int OperationsTraced { get; init; }

    /// <summary>Events the session lost (the target's buffer overflowed), as the runtime counts them.</summary>
    public long EventsLost { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Operation kinds of a traced activity (the JSON contract's words).</summary>
public static class TracedOperations
{
    public const string Open = "open";
    public const string BeginTransaction = "begin-transaction";
    public const string ExecuteReader = "execute-reader";
    public const string Execute = "execute";
}

/// <summary>One driver activity: when it started, on which server session, with what SQL, called from where.</summary>
public sealed record TracedOperation
{
    public required string Driver { get; init; }

    /// <summary>One of <see cref="TracedOperations"/>.</summary>
    public required string Operation { get; init; }

    /// <summary>When the activity started (UTC).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The server's id of the session (the join key with the heap's <see cref="ConnectionFact.ServerPid"/>); null when the activity never said.</summary>
    public int? ServerPid { get; init; }

    public string? Sql { get; init; }

    /// <summary>The activity's own id (W3C), for joining with what the heap still references.</summary>
    public string? ActivityId { get; init; }

    /// <summary>False while the activity had not stopped when tracing ended (a reader still open, say).</summary>
    public bool Stopped { get; init; }

    /// <summary>The managed stack that started the activity, innermost first.</summary>
    public IReadOnlyList<TracedFrame> Frames { get; init; } = [];
}

/// <summary>Who a stack frame belongs to: the application is what the user can fix; the rest is hidden by default.</summary>
public static class FrameOwners
{
    public const string Application = "application";
    public const string Driver = "driver";
    public const string Framework = "framework";
}

/// <summary>A frame: <c>Namespace.Type.Method</c>, its module, its owner and, where portable PDBs were found, file:line.</summary>
public sealed record TracedFrame
{
    public required string Method { get; init; }
    public string? Module { get; init; }

    /// <summary>One of <see cref="FrameOwners"/>.</summary>
    public required string Owner { get; init; }

    /// <summary>The source document as the compiler recorded it: a path on the machine that built the module.</summary>
    public string? File { get; init; }

    /// <summary>The line of the call this frame made (the statement that called into the next inner frame).</summary>
    public int? Line { get; init; }

    /// <summary>"Shop.Billing.Charge in Billing.cs:42", or the method alone.</summary>
    public override string ToString() =>
        File is null ? Method : Line is { } line ? $"{Method} in {FileName(File)}:{line}" : $"{Method} in {FileName(File)}";

    /// <summary>The file name of a document path from any build machine ("C:\src\Billing.cs" on Linux too).</summary>
    public static string FileName(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path[(path.LastIndexOfAny(['/', '\\']) + 1)..];
    }
}
