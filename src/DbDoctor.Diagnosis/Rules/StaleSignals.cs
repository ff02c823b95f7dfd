using System.Globalization;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>What "the server closed the session under us" looks like in each driver's exceptions, and the advice.</summary>
public static class StaleSignals
{
    /// <summary>
    /// PostgreSQL 57P05 idle-session timeout and 57P01 terminated by administrator (a pooler or a DBA), and the I/O errors
    /// a driver raises when the socket it reads was closed by the other side or by a device on the way.
    /// </summary>
    private static readonly string[] ServerClosedMarkers =
    [
        "57P05",
        "idle-session timeout",
        "57P01",
        "terminating connection due to administrator command",
        "Exception while reading from stream",
        "Exception while writing to stream",
        "Attempted to read past the end of the stream",
        "Unable to read data from the transport connection",
        "Unable to write data to the transport connection",
        "Connection reset by peer",
        "Broken pipe",
        "forcibly closed by the remote host",
        "A transport-level error has occurred",
        "The connection is broken",
    ];

    public static bool IsServerClosed(string? type, string? message)
    {
        if (message is null)
        {
            return false;
        }

        if (ServerClosedMarkers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        // A bare EndOfStreamException is a driver reading a socket the server closed (Npgsql wraps it, both are thrown).
        return type is "System.IO.EndOfStreamException";
    }

    /// <summary>
    /// One failure raises several exceptions (Npgsql: EndOfStreamException, wrapped in NpgsqlException, then the
    /// server's 57P05 PostgresException), each its own group with the same first and last time. Groups seen at the
    /// same times are one failure chain and count once (their largest count); chains at other times add up.
    /// </summary>
    public static int DistinctFailures(IReadOnlyList<ExceptionGroup> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return failures
            .GroupBy(f => (First: Math.Round(f.FirstSeen, 1), Last: Math.Round(f.LastSeen, 1)))
            .Sum(chain => chain.Max(f => f.Count));
    }

    public static string Advice(string driver, double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var family = DriverTerms.FamilyOf(driver);
        if (serverTimeoutSeconds is not { } timeout)
        {
            return "Find who closes idle sessions and after how long: PostgreSQL `SHOW idle_session_timeout` (also set per role or database), " +
                   "MySQL `wait_timeout`, a pooler's idle timeout (PgBouncer server_idle_timeout/client_idle_timeout), a load balancer's or firewall's/NAT's idle cut. " +
                   "Then keep the pool from holding a connection idle that long: " + PoolChange(family, null, pools) +
                   " Where a network device cuts idle sockets, enable TCP keepalives below its timeout.";
        }

        return $"The server closes sessions idle for {Text.Duration(timeout)}: " + PoolChange(family, timeout, pools) +
               " Where a proxy, firewall or NAT cuts idle sockets rather than the server, enable TCP keepalives below its timeout" +
               (family == DriverFamily.Npgsql ? " (Tcp Keepalive=true; Tcp Keepalive Time in seconds)." : ".") +
               " Make the first command after a pause safe to retry, since a pooled connection can still die between two checks.";
    }

    private static string PoolChange(DriverFamily family, double? timeout, IReadOnlyList<PoolFact> pools)
    {
        if (family != DriverFamily.Npgsql)
        {
            return "set the pool's idle lifetime (SqlClient: Connection Lifetime, applied when a connection returns to the pool) below that timeout, and do not keep a Min Pool Size of connections that sit idle past it.";
        }

        var min = pools.Any(p => p.Min is > 0) ? " and Minimum Pool Size=0 (connections kept for the minimum are never pruned)" : "";
        if (timeout is not { } t)
        {
            return $"set Connection Idle Lifetime to about half that timeout and Connection Pruning Interval to a quarter of it{min}, so Npgsql closes idle connections before the server does; " +
                   "or set Keepalive (seconds) below it so Npgsql sends a keepalive query on idle connections, which also resets the server's idle timer.";
        }

        var idle = Seconds(Math.Max(1, Math.Floor(t / 2)));
        var pruning = Seconds(Math.Max(1, Math.Floor(t / 4)));
        return $"set Connection Idle Lifetime={idle} and Connection Pruning Interval={pruning}{min} so Npgsql closes idle connections before the server does; " +
               $"or set Keepalive={idle} so Npgsql sends a keepalive query on idle connections, which also resets the server's idle timer.";
    }

    private static string Seconds(double value) => value.ToString("0", CultureInfo.InvariantCulture);
}
