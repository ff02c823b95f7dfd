using DbDoctor.Drivers;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>How the stale-connection rule counts "the server closed the session under us" failures, and its advice.</summary>
public static class StaleSignals
{
    /// <summary>
    /// One failure raises several exceptions (a driver's I/O exception, its wrapper, then the server's own error), each
    /// its own group with the same first and last time. Groups seen at the same times are one failure chain and count
    /// once (their largest count); chains at other times add up.
    /// </summary>
    public static int DistinctFailures(IReadOnlyList<ExceptionGroup> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return failures
            .GroupBy(f => (First: Math.Round(f.FirstSeen, 1), Last: Math.Round(f.LastSeen, 1)))
            .Sum(chain => chain.Max(f => f.Count));
    }

    public static string Advice(DriverWords words, double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentNullException.ThrowIfNull(pools);
        if (serverTimeoutSeconds is not { } timeout)
        {
            return $"Find who closes idle sessions and after how long: {words.IdleTimeoutSources}. " +
                   "Then keep the pool from holding a connection idle that long: " + words.StalePoolChange(null, pools) +
                   " Where a network device cuts idle sockets, enable TCP keepalives below its timeout.";
        }

        return $"The server closes sessions idle for {Text.Duration(timeout)}: " + words.StalePoolChange(timeout, pools) +
               " Where a proxy, firewall or NAT cuts idle sockets rather than the server, enable TCP keepalives below its timeout" +
               words.KeepaliveSettings + "." +
               " Make the first command after a pause safe to retry, since a pooled connection can still die between two checks.";
    }
}
