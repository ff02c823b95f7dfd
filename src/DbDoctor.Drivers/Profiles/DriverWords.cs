using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>
/// The words findings use for a driver: its API's type names, the advice in its own terms, the server's own names for
/// what the heap shows. The base class speaks plain ADO.NET (DbConnection, DbTransaction): the generic fallback.
/// </summary>
public class DriverWords
{
    public virtual string ConnectionType => "DbConnection";
    public virtual string TransactionType => "DbTransaction";
    public virtual string ReaderType => "DbDataReader";
    public virtual string CommandType => "DbCommand";

    /// <summary>How to open a connection the right way, as a code snippet.</summary>
    public virtual string OpenConnectionSnippet => $"`await using var connection = new {ConnectionType}(...); await connection.OpenAsync();`";

    public virtual string LeakedTransactionAdvice() =>
        $"Open the {ConnectionType} and begin the {TransactionType} with `await using` (or `using`), and commit on the success path: " +
        $"disposing an uncommitted {TransactionType} rolls it back, and disposing the {ConnectionType} returns it to the pool. " +
        "Where the code cannot use `using`, roll back in a catch/finally.";

    public virtual string LeakedReaderAdvice() =>
        $"Dispose every {ReaderType} (`await using var reader = await cmd.ExecuteReaderAsync()`), including when the loop over it stops early or throws. " +
        $"When a reader is handed to a caller that owns it, use {CommandType}.ExecuteReader(CommandBehavior.CloseConnection) so disposing the reader also returns the {ConnectionType} to the pool.";

    public virtual string LeakedConnectionAdvice() =>
        $"Wrap every {ConnectionType} in `await using` ({OpenConnectionSnippet}) so it goes back to the pool on every path, exceptions included; " +
        "do not keep opened connections in fields or caches without closing them.";

    public virtual string HeldConnectionAdvice() =>
        $"Not a leak: application code holds these {ConnectionType}s on purpose ({HeldOnPurposeExamples}). " +
        "Make sure the pool's Maximum Pool Size leaves room for them, and keep any transaction on a held connection short.";

    /// <summary>Why an application holds a connection of this driver on purpose, e.g. "a LISTEN loop, a long job".</summary>
    public virtual string HeldOnPurposeExamples => "a long job, a background worker";

    public virtual string LeakedPoolAdvice() =>
        "Dispose data sources you stop using, and keep one per distinct connection string (a singleton, or a cache per tenant that disposes evicted entries).";

    /// <summary>The sentence of the pool-sprawl advice that says how to serve many tenants from one pool.</summary>
    public virtual string OnePoolForTenants =>
        "Use one pool for the shared server and carry the tenant in the query instead of in the connection string.";

    public string PoolSprawlAdvice(IReadOnlyList<string> varyingKeys)
    {
        ArgumentNullException.ThrowIfNull(varyingKeys);
        return $"Every distinct connection string gets its own pool with its own connections. {OnePoolForTenants} " +
               $"If per-tenant pools are needed, cap their number and their Maximum Pool Size, and keep tenant-specific values ({string.Join(", ", varyingKeys)}) out of the connection string where possible.";
    }

    public virtual string PoolExhaustionAdvice() =>
        "Fix the finding that keeps connections checked out (a leak returns nothing to the pool); raising Maximum Pool Size only delays exhaustion. " +
        "Keep connections checked out only for the duration of one unit of work.";

    /// <summary>The first half of the advice for a pool with pooling off: how to turn it on.</summary>
    public virtual string TurnPoolingOn => "Remove Pooling=false from the connection string (pooling is on by default)";

    /// <summary>Examples of external poolers for the driver's database, as a parenthesis; empty when none is worth naming.</summary>
    public virtual string ExternalPoolerExamples => "";

    /// <summary>The driver's calls that empty a pool, which a churning pool may be suffering from.</summary>
    public virtual string PoolClearingCalls => "ClearPool/ClearAllPools";

    /// <summary>Where to look for what closes idle sessions, listed for the user.</summary>
    public virtual string IdleTimeoutSources =>
        "the database server's idle-session timeout, a pooler's idle timeout, a load balancer's or firewall's/NAT's idle cut";

    /// <summary>The pool settings that stop it from keeping a connection idle past <paramref name="serverTimeoutSeconds"/> (null: unknown).</summary>
    public virtual string StalePoolChange(double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools) =>
        "set the pool's idle lifetime below that timeout, and do not keep a minimum pool size of connections that sit idle past it.";

    /// <summary>The driver's keepalive settings, as a parenthesis appended to "enable TCP keepalives below its timeout"; empty if none.</summary>
    public virtual string KeepaliveSettings => "";

    /// <summary>A label for server process ids in evidence, e.g. the server's view that lists them.</summary>
    public virtual string ServerPidLabel => "Server process ids";

    /// <summary>
    /// The label of the server's own view of a session's state, and that state for a leaked transaction's connection;
    /// null when the driver's server has no such view DbDoctor knows.
    /// </summary>
    public virtual string? ServerSessionStateLabel => null;

    public virtual string ServerSessionState(ConnectionFact connection) => "?";
}
