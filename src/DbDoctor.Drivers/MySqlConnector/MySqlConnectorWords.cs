using System.Globalization;
using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>MySqlConnector's API and the MySQL/MariaDB server's settings, as the advice names them.</summary>
internal sealed class MySqlConnectorWords : DriverWords
{
    public override string ConnectionType => "MySqlConnection";
    public override string TransactionType => "MySqlTransaction";
    public override string ReaderType => "MySqlDataReader";
    public override string CommandType => "MySqlCommand";
    public override string OpenConnectionSnippet => "`await using var connection = await dataSource.OpenConnectionAsync();`";

    public override string LeakedTransactionAdvice() =>
        base.LeakedTransactionAdvice() +
        " Until then the server keeps the transaction open with its row locks: other sessions wait on them and fail with 'Lock wait timeout exceeded' " +
        "after innodb_lock_wait_timeout (a symptom, not the cause: raising it only makes them wait longer). MySqlConnector takes the session back only " +
        "after the GC has collected the MySqlConnection, and even then the transaction stays open on the server until the session is reset or closed.";

    public override string LeakedConnectionAdvice() =>
        base.LeakedConnectionAdvice() +
        " MySqlConnector recovers the session of a MySqlConnection the GC collected only when the pool runs dry or its reaper runs: do not rely on it.";

    public override string LeakedPoolAdvice() =>
        "Dispose every MySqlDataSource you stop using (`await dataSource.DisposeAsync()`): its pool stays registered by MySqlConnector with its reaper " +
        "timer after the data source is collected, and keeps its idle sessions open on the server until Connection Idle Timeout. " +
        "Build one MySqlDataSource per distinct connection string and reuse it (a singleton, or a cache per tenant that disposes evicted entries).";

    public override string OnePoolForTenants =>
        "Use one MySqlDataSource for the shared server and select the tenant's schema in the query (qualified table names or `USE tenant_db` per command) instead of one pool per tenant.";

    public override string PoolExhaustionAdvice() =>
        base.PoolExhaustionAdvice() + " Until then, a short Connection Timeout in the connection string fails fast instead of queueing every request for 15 s.";

    public override string TurnPoolingOn =>
        "Remove Pooling=false from the connection string (MySqlConnector pools by default) and open connections from one shared MySqlDataSource";

    public override string ExternalPoolerExamples => " (ProxySQL, MaxScale, RDS Proxy)";

    public override string PoolClearingCalls => "MySqlConnection.ClearPool/ClearAllPools";

    public override string IdleTimeoutSources =>
        "the server's `SELECT @@wait_timeout, @@interactive_timeout` (also set per session or in my.cnf), a proxy's idle timeout (ProxySQL, MaxScale), a load balancer's or firewall's/NAT's idle cut";

    public override string StalePoolChange(double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var min = pools.Any(p => p.Min is > 0) ? " and Minimum Pool Size=0 (sessions kept for the minimum are not reaped)" : "";
        if (serverTimeoutSeconds is not { } t)
        {
            return $"set Connection Idle Timeout below the server's wait_timeout (about half of it){min}, and Connection Lifetime below it too, so MySqlConnector " +
                   "closes sessions before the server does; keep Connection Reset=true (the default) so a session the server closed is found and replaced on lease.";
        }

        var idle = Seconds(Math.Max(1, Math.Floor(t / 2)));
        var lifetime = Seconds(Math.Max(1, Math.Floor(t * 0.8)));
        return $"set Connection Idle Timeout={idle} and Connection Lifetime={lifetime} (below wait_timeout={Seconds(t)}){min} so MySqlConnector closes sessions before the server does; " +
               "keep Connection Reset=true (the default) so a session the server closed is found and replaced on lease.";
    }

    public override string KeepaliveSettings => " (Keepalive in seconds)";

    public override string ServerPidLabel => "Server thread ids (information_schema.processlist.id)";

    /// <summary>
    /// What the heap knows of the server's side (the status flags of the session's last reply), or with --server what
    /// the server lists (processlist COMMAND): the label names both sources.
    /// </summary>
    public override string? ServerSessionStateLabel => "Server side (status flags of the session's last reply; information_schema.processlist.command with --server)";

    public override string ServerSessionState(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.Recovered ? "'in transaction', session recovered into the idle list" : "'in transaction'";
    }

    private static string Seconds(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}
