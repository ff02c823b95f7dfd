using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>What the database server says about closing idle sessions. Null seconds = the setting is off (0) or unknown.</summary>
public sealed record ServerTimeouts
{
    /// <summary>The server closes a session idle (outside a transaction) this long.</summary>
    public double? IdleSessionTimeoutSeconds { get; init; }

    /// <summary>The server closes a session idle inside a transaction this long.</summary>
    public double? IdleInTransactionSessionTimeoutSeconds { get; init; }

    /// <summary>The raw values as the server printed them ("5s", "0"), for the evidence.</summary>
    public string? IdleSessionTimeoutText { get; init; }
    public string? IdleInTransactionSessionTimeoutText { get; init; }

    /// <summary>Where the values came from, e.g. "SHOW idle_session_timeout on Host=127.0.0.1;Port=5432;Database=app".</summary>
    public required string Source { get; init; }
}

/// <summary>
/// How to ask a driver's database server (`--server`) after how long it closes idle sessions, and how it sees the
/// sessions of the target's connections, each over one short connection that leaves no pool behind. Expected failures
/// are a <see cref="DbDoctor.Model.DbDoctorInputException"/>.
/// </summary>
public abstract class ServerProbe
{
    public abstract Task<ServerTimeouts> AskAsync(string connectionString, CancellationToken cancellationToken);

    /// <summary>
    /// The server's own view of the sessions with these server process ids (only those: other clients' sessions and
    /// their SQL are none of dbdoctor's business). Null when the driver's server lists no sessions.
    /// </summary>
    public virtual Task<ServerSessionFacts?> ReadSessionsAsync(string connectionString, IReadOnlyCollection<int> serverPids, CancellationToken cancellationToken) =>
        Task.FromResult<ServerSessionFacts?>(null);
}
