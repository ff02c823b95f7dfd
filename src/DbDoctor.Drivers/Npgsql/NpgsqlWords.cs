using System.Globalization;
using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>Npgsql's API and PostgreSQL's settings, as the advice names them.</summary>
internal sealed class NpgsqlWords : DriverWords
{
    public override string ConnectionType => "NpgsqlConnection";
    public override string TransactionType => "NpgsqlTransaction";
    public override string ReaderType => "NpgsqlDataReader";
    public override string CommandType => "NpgsqlCommand";
    public override string OpenConnectionSnippet => "`await using var connection = await dataSource.OpenConnectionAsync();`";

    public override string LeakedTransactionAdvice() =>
        base.LeakedTransactionAdvice() + " As a safety net, set PostgreSQL's idle_in_transaction_session_timeout (e.g. '60s') so the server ends sessions left idle in a transaction; they hold locks and block VACUUM meanwhile.";

    public override string LeakedPoolAdvice() =>
        "Dispose every NpgsqlDataSource you stop using (`await dataSource.DisposeAsync()`): Npgsql lists each data source in a static registry, so one that is dropped undisposed is never collected and keeps its connections open. " +
        "Build one NpgsqlDataSource per distinct connection string and reuse it (register it as a singleton, or keep one per tenant in a cache that disposes evicted entries).";

    public override string OnePoolForTenants =>
        "Use one NpgsqlDataSource for the shared server and select the tenant in the query (a tenant_id column or `SET search_path` per command) instead of one pool per tenant.";

    public override string PoolExhaustionAdvice() =>
        base.PoolExhaustionAdvice() + " Until then, a short Timeout in the connection string fails fast instead of queueing every request for 15 s.";

    public override string TurnPoolingOn =>
        "Remove Pooling=false from the connection string (Npgsql pools by default) and open connections from one shared NpgsqlDataSource";

    public override string ExternalPoolerExamples => " (PgBouncer, RDS Proxy)";

    public override string HeldOnPurposeExamples => "a LISTEN loop, a long job";

    public override string PoolClearingCalls => "NpgsqlConnection.ClearPool/ClearAllPools";

    public override string IdleTimeoutSources =>
        "PostgreSQL `SHOW idle_session_timeout` (also set per role or database), MySQL `wait_timeout`, a pooler's idle timeout (PgBouncer server_idle_timeout/client_idle_timeout), a load balancer's or firewall's/NAT's idle cut";

    public override string StalePoolChange(double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var min = pools.Any(p => p.Min is > 0) ? " and Minimum Pool Size=0 (connections kept for the minimum are never pruned)" : "";
        if (serverTimeoutSeconds is not { } t)
        {
            return $"set Connection Idle Lifetime to about half that timeout and Connection Pruning Interval to a quarter of it{min}, so Npgsql closes idle connections before the server does; " +
                   "or set Keepalive (seconds) below it so Npgsql sends a keepalive query on idle connections, which also resets the server's idle timer.";
        }

        var idle = Seconds(Math.Max(1, Math.Floor(t / 2)));
        var pruning = Seconds(Math.Max(1, Math.Floor(t / 4)));
        return $"set Connection Idle Lifetime={idle} and Connection Pruning Interval={pruning}{min} so Npgsql closes idle connections before the server does; " +
               $"or set Keepalive={idle} so Npgsql sends a keepalive query on idle connections, which also resets the server's idle timer.";
    }

    public override string KeepaliveSettings => " (Tcp Keepalive=true; Tcp Keepalive Time in seconds)";

    public override string ServerPidLabel => "Backend pids (pg_stat_activity.pid)";

    public override string? ServerSessionStateLabel => "Server side (pg_stat_activity.state)";

    /// <summary>What pg_stat_activity shows for a connection left in a transaction, from the connector's state.</summary>
    public override string ServerSessionState(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Transaction?.State == NpgsqlHeapKnowledge.FailedTransactionState)
        {
            return "'idle in transaction (aborted)'";
        }

        return connection.State is null or NpgsqlHeapKnowledge.ReadyState ? "'idle in transaction'" : "'active'";
    }

    private static string Seconds(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}
