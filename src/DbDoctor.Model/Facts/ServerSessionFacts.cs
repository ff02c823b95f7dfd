namespace DbDoctor.Model.Facts;

/// <summary>One client session as the database server itself lists it (asked with --server).</summary>
public sealed record ServerSessionFact
{
    /// <summary>The server's process id for the session: the key that joins it to a heap connection's <see cref="ConnectionFact.ServerPid"/>.</summary>
    public required int ServerPid { get; init; }

    /// <summary>The session's state in the server's own words (null when the server does not say).</summary>
    public string? State { get; init; }

    /// <summary>When the session entered <see cref="State"/>, on the server's clock.</summary>
    public DateTimeOffset? StateChange { get; init; }

    /// <summary>When the session's open transaction began, on the server's clock; null outside a transaction.</summary>
    public DateTimeOffset? TransactionStart { get; init; }

    /// <summary>The session's current or last statement, as the server shows it.</summary>
    public string? Query { get; init; }

    public string? ApplicationName { get; init; }

    /// <summary>Rows the session's open transaction holds locks on, where the server says (null: unknown).</summary>
    public long? RowsLocked { get; init; }
}

/// <summary>The server's view of the sessions of the heap's connections, read once over a short connection of dbdoctor's.</summary>
public sealed record ServerSessionFacts
{
    /// <summary>What was asked, in the driver's words, e.g. "&lt;view&gt; on Host=...;Port=...;Database=..." (never a password).</summary>
    public required string Source { get; init; }

    /// <summary>The server's clock when it answered: how long a session has been in its state is measured on it.</summary>
    public required DateTimeOffset ServerTime { get; init; }

    /// <summary>The server process ids that were asked for; one of them missing from <see cref="Sessions"/> is a session the server no longer has.</summary>
    public IReadOnlyList<int> AskedPids { get; init; } = [];

    public IReadOnlyList<ServerSessionFact> Sessions { get; init; } = [];

    public ServerSessionFact? Find(int serverPid) => Sessions.FirstOrDefault(s => s.ServerPid == serverPid);

    /// <summary>Seconds from <paramref name="since"/> to <see cref="ServerTime"/> (never negative).</summary>
    public double? SecondsSince(DateTimeOffset? since) =>
        since is { } t ? Math.Max(0, (ServerTime - t).TotalSeconds) : null;
}
