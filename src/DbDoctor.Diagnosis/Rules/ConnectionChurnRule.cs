using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// A pool that keeps opening and closing physical connections: every open is a TCP and TLS handshake, often a server
/// process fork, and an authentication, and every close leaves a socket in TIME-WAIT. Seen in the live
/// telemetry (connections created per second against operations per second) and, when pooling is off and no metrics
/// exist, in the OS socket table (TIME-WAIT sockets to the database endpoint). The pool's settings from the heap name
/// the cause and the change.
/// </summary>
public sealed class ConnectionChurnRule : IRule
{
    /// <summary>Below this idle lifetime (seconds) connections are closed between ordinary bursts of load.</summary>
    public const double ShortIdleLifetimeSeconds = 60;

    /// <summary>Below this lifetime (seconds) every connection is replaced often enough to show as churn.</summary>
    public const double ShortLifetimeSeconds = 300;

    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var options = context.Options;
        var sockets = context.Input.Sockets;
        var findings = new List<Finding>();
        var explained = new HashSet<EndpointSockets>();
        var unmeasured = new Dictionary<EndpointSockets, List<PoolSeries>>();

        foreach (var series in context.Series.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var pools = context.PoolsOf(series);
            var pool = pools.FirstOrDefault(p => !p.Disposed) ?? pools.FirstOrDefault();
            var endpointSockets = ChurnMeasures.SocketsOf(sockets, ChurnMeasures.EndpointOf(pool, series.Name, context.ProfileOf(series.Driver)));
            var rates = ChurnMeasures.RatesOf(series);
            if (endpointSockets is not null)
            {
                if (rates is not null)
                {
                    // The telemetry measures connection creation for this endpoint: its TIME-WAIT count is evidence, not a second finding.
                    explained.Add(endpointSockets);
                }
                else
                {
                    // Pooling=false: the driver may report operations but no connection metrics; the OS has to speak.
                    unmeasured.TryAdd(endpointSockets, []);
                    unmeasured[endpointSockets].Add(series);
                }
            }

            if (rates is null || !IsChurning(rates, options))
            {
                continue;
            }

            findings.Add(FromTelemetry(context, series, pool, rates, endpointSockets, sockets));
        }

        foreach (var endpoint in sockets?.Endpoints ?? [])
        {
            if (explained.Contains(endpoint) || endpoint.RecentlyClosed < options.ChurnMinTimeWaitSockets || !TargetIsOpening(endpoint, sockets!, options))
            {
                continue;
            }

            findings.Add(FromSockets(context, endpoint, CauseOf(context, endpoint), sockets!, unmeasured.GetValueOrDefault(endpoint) ?? []));
        }

        return findings;
    }

    /// <summary>
    /// TIME-WAIT sockets belong to the whole network namespace. When the target's own sockets were watched, churn is
    /// its own only if it was seen opening connections at the churn rate; without a watch the count has to do.
    /// </summary>
    public static bool TargetIsOpening(EndpointSockets endpoint, SocketFacts sockets, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(options);
        // Sampling misses short connections, so either sign will do: connections seen opening at the churn rate, or
        // a few TIME-WAIT sockets on ports the target was seen owning (it closed them itself).
        return sockets.WatchSeconds is not > 0 || endpoint.OpenedByTarget is not { } opened
            || opened / sockets.WatchSeconds.Value >= options.ChurnMinCreatesPerSecond
            || endpoint.TimeWaitByTarget >= options.ChurnMinTimeWaitByTarget;
    }

    /// <summary>
    /// The heap pool that explains churn to an endpoint seen only in the OS: a pool whose settings cause churn first,
    /// then an unpooled data source (a driver may keep one per Pooling=false connection string, even a one-off setup one),
    /// then any pool to the endpoint.
    /// </summary>
    private static PoolFact? CauseOf(DiagnosisContext context, EndpointSockets endpoint)
    {
        var candidates = context.Pools
            .Where(p => !p.Disposed && p.Host is not null && ChurnMeasures.SameHost(endpoint, p.Host) && (p.Port ?? context.ProfileOf(p.Driver).ConnectionStrings.DefaultPort) == endpoint.Port)
            .OrderBy(p => p.Address)
            .ToList();
        return candidates.FirstOrDefault(p => p.Pooling && ChurnCauses.Of(p, null, context.Drivers).TitleSuffix.Length > 0)
               ?? candidates.FirstOrDefault(p => !p.Pooling)
               ?? candidates.FirstOrDefault();
    }

    public static bool IsChurning(ChurnRates rates, DiagnosisOptions options)
    {
        ArgumentNullException.ThrowIfNull(rates);
        ArgumentNullException.ThrowIfNull(options);
        if (rates.CreatedPerSecond < options.ChurnMinCreatesPerSecond)
        {
            return false;
        }

        // Without an operation rate, a sustained creation rate above the floor is churn by itself.
        return rates.CreatesPerOperation is not { } perOperation || perOperation >= options.ChurnMinCreatesPerOperation;
    }

    private static Finding FromTelemetry(DiagnosisContext context, PoolSeries series, PoolFact? pool, ChurnRates rates, EndpointSockets? endpointSockets, SocketFacts? sockets)
    {
        var name = pool is not null ? DiagnosisContext.DisplayName(pool) : DiagnosisContext.DisplayName(series);
        var evidence = new List<string>();
        var perOperation = rates.CreatesPerOperation;
        var opsText = rates.OperationsPerSecond is { } ops
            ? $" for {Rate(ops)} operations per second ({Percent(perOperation!.Value)} of operations opened a new connection)"
            : "";
        evidence.Add($"Telemetry: {Text.Number(Math.Round(rates.Created))} physical connections created in {Text.Duration(rates.SpanSeconds)} = {Rate(rates.CreatedPerSecond)} per second{opsText}");
        if (rates.Shrinks > 0)
        {
            evidence.Add($"Open connections (used+idle) fell {Wording.Count(rates.Shrinks, "time")} during the window, {Text.Number(Math.Round(rates.Closed))} connections closed in all, between {Text.Number(rates.LowestOpen ?? 0)} and {Text.Number(rates.PeakOpen ?? 0)} open");
        }

        var cause = ChurnCauses.Of(pool, rates.PeakOpen, context.Drivers);
        evidence.AddRange(cause.Evidence);
        if (endpointSockets is not null)
        {
            evidence.Add(SocketLine(endpointSockets, sockets!));
        }

        return new Finding
        {
            Kind = FindingKinds.ConnectionChurn,
            Severity = Severities.Warning,
            Driver = series.Driver,
            Count = (int)Math.Round(rates.Created),
            Title = $"Connection churn on pool '{name}': {Rate(rates.CreatedPerSecond)} new connections per second{(perOperation is { } p ? $", {Percent(p)} of operations" : "")}{cause.TitleSuffix}",
            Evidence = evidence,
            Advice = cause.Advice,
            Pool = name,
        };
    }

    private static Finding FromSockets(DiagnosisContext context, EndpointSockets endpoint, PoolFact? pool, SocketFacts sockets, IReadOnlyList<PoolSeries> series)
    {
        var closesPerSecond = endpoint.RecentlyClosed / sockets.ClosedWithinSeconds;
        var cause = ChurnCauses.Of(pool, peakOpen: null, context.Drivers);
        var evidence = new List<string> { SocketLine(endpoint, sockets) };
        var operations = series.Select(s => s.Samples.Where(x => x.OperationsPerSecond is not null).Select(x => x.OperationsPerSecond!.Value).DefaultIfEmpty(0).Average()).Sum();
        if (operations > 0)
        {
            evidence.Add($"Telemetry: {Rate(operations)} operations per second to this endpoint, with no connection metrics (a data source without a pool reports none): " +
                         $"≈ {Rate(closesPerSecond)} connections closed per second is {Percent(Math.Min(1, closesPerSecond / operations))} of the operations");
        }

        if (pool is null)
        {
            evidence.Add("No pool for this endpoint in the heap and no pool metrics in the telemetry: connections are opened without a pool (Pooling=false) or by a driver DbDoctor does not know");
        }

        evidence.AddRange(cause.Evidence);
        if (sockets.WatchSeconds is > 0 && endpoint.OpenedByTarget is { } opened)
        {
            evidence.Add($"Watching process {sockets.Pid}'s own sockets for {Text.Duration(sockets.WatchSeconds.Value)}: it opened at least {opened} new connections to {endpoint.Host}:{endpoint.Port} " +
                         $"(≥ {Rate(opened / sockets.WatchSeconds.Value)} per second; connections opened and closed between two samples are missed)" +
                         (endpoint.TimeWaitByTarget is > 0 ? $", and {endpoint.TimeWaitByTarget} of the TIME-WAIT sockets are connections it was seen owning" : ""));
        }
        else
        {
            evidence.Add("TIME-WAIT sockets belong to the whole network namespace: another process connecting to the same endpoint adds to this count");
        }
        var name = pool is not null ? DiagnosisContext.DisplayName(pool) : null;
        var driver = pool?.Driver ?? NetworkDriverOf(context, endpoint.Port);
        return new Finding
        {
            Kind = FindingKinds.ConnectionChurn,
            Severity = Severities.Warning,
            Driver = driver,
            Count = endpoint.RecentlyClosed,
            Title = $"Connection churn to {endpoint.Host}:{endpoint.Port}: {endpoint.RecentlyClosed} connections closed in the last {Text.Duration(sockets.ClosedWithinSeconds)} (~{Rate(closesPerSecond)} per second){cause.TitleSuffix}",
            Evidence = evidence,
            Advice = pool is null ? ChurnCauses.PoolingOffAdvice(context.ProfileOf(driver).Words) : cause.Advice,
            Pool = name,
        };
    }

    private static string SocketLine(EndpointSockets e, SocketFacts sockets)
    {
        var serverSide = e.ServerSideTimeWait > 0 ? $" + {e.ServerSideTimeWait} on the server side" : "";
        var others = string.Join(", ", e.ByState.Where(kv => kv.Key is not "ESTABLISHED" and not "TIME_WAIT").OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} {kv.Key}"));
        return $"Sockets to {e.Host}:{e.Port} in the network namespace of process {sockets.Pid}: {e.TimeWait} in TIME-WAIT{serverSide} " +
               $"(≈ {Rate(e.RecentlyClosed / sockets.ClosedWithinSeconds)} closes per second over the last {Text.Duration(sockets.ClosedWithinSeconds)}{(sockets.ClosedWithinSeconds < sockets.TimeWaitSeconds ? ", the process's age" : "")}), " +
               $"{e.Established} ESTABLISHED ({e.EstablishedByTarget} owned by process {sockets.Pid}){(others.Length > 0 ? ", " + others : "")}";
    }

    /// <summary>Without a pool, the driver is the only networked one the heap saw, else the one of the port's database.</summary>
    private static string NetworkDriverOf(DiagnosisContext context, int port)
    {
        var networked = (context.Heap?.Drivers ?? [])
            .Where(d => context.ProfileOf(d.Name).ConnectionStrings.DefaultPort is not null)
            .Select(d => d.Name).Distinct(StringComparer.Ordinal).ToList();
        if (networked.Count == 1)
        {
            return networked[0];
        }

        return context.Drivers.ByDefaultPort(port)?.Name ?? "unknown";
    }

    internal static string Rate(double value) => Text.Number(Math.Round(value, value >= 10 ? 0 : 1));

    internal static string Percent(double fraction) => Text.Number(Math.Round(fraction * 100, fraction >= 0.1 ? 0 : 1)) + "%";
}
