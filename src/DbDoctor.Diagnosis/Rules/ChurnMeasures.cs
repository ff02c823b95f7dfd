using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>The rates a pool's live series shows about opening and closing physical connections.</summary>
public sealed record ChurnRates
{
    /// <summary>Physical connections created per second over the window.</summary>
    public required double CreatedPerSecond { get; init; }

    /// <summary>Connections created during the window (between the first and last sample carrying the count).</summary>
    public required double Created { get; init; }
    public required double SpanSeconds { get; init; }

    /// <summary>Mean operations per second over the same samples; null when the driver did not report it.</summary>
    public double? OperationsPerSecond { get; init; }

    /// <summary>Times used+idle fell between two samples, and the connections closed in those falls.</summary>
    public int Shrinks { get; init; }
    public double Closed { get; init; }
    public double? PeakOpen { get; init; }
    public double? LowestOpen { get; init; }

    public double? CreatesPerOperation => OperationsPerSecond is > 0 ? CreatedPerSecond / OperationsPerSecond : null;
}

/// <summary>Measures shared by the churn rule: creation rates from the telemetry, sockets matched to pools.</summary>
public static class ChurnMeasures
{
    /// <summary>Null when the series never reported connections created (a data source without a pool, a driver without that metric).</summary>
    public static ChurnRates? RatesOf(PoolSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var samples = series.Samples.OrderBy(s => s.Time).ToList();
        var counted = samples.Where(s => s.ConnectionsCreated is not null).ToList();
        if (counted.Count == 0)
        {
            return null;
        }

        var first = counted[0];
        var last = counted[^1];
        // The count is cumulative from the session's start; with one sample, the session start is the other end.
        var (created, span, from) = counted.Count >= 2 && last.Time > first.Time
            ? (last.ConnectionsCreated!.Value - first.ConnectionsCreated!.Value, last.Time - first.Time, first.Time)
            : (last.ConnectionsCreated!.Value, last.Time, 0.0);
        if (span <= 0)
        {
            return null;
        }

        var operations = samples.Where(s => s.Time >= from && s.OperationsPerSecond is not null).Select(s => s.OperationsPerSecond!.Value).ToList();
        var open = samples.Where(s => s.Used is not null || s.Idle is not null).Select(s => (s.Used ?? 0) + (s.Idle ?? 0)).ToList();
        int shrinks = 0;
        double closed = 0;
        for (var i = 1; i < open.Count; i++)
        {
            if (open[i] < open[i - 1])
            {
                shrinks++;
                closed += open[i - 1] - open[i];
            }
        }

        return new ChurnRates
        {
            CreatedPerSecond = Math.Max(0, created) / span,
            Created = Math.Max(0, created),
            SpanSeconds = span,
            OperationsPerSecond = operations.Count > 0 ? operations.Average() : null,
            Shrinks = shrinks,
            Closed = closed,
            PeakOpen = open.Count > 0 ? open.Max() : null,
            LowestOpen = open.Count > 0 ? open.Min() : null,
        };
    }

    /// <summary>The database endpoint of a pool: its heap fact's host/port, else its connection-string name.</summary>
    public static (string Host, int Port)? EndpointOf(PoolFact? pool, string? connectionString, DriverProfile driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        var parsed = ConnectionStrings.EndpointOf(connectionString);
        var host = ConnectionStrings.FirstHost(pool?.Host) ?? parsed?.Host;
        if (host is null)
        {
            return null;
        }

        var port = pool?.Port ?? parsed?.Port ?? driver.ConnectionStrings.DefaultPort;
        return port is null ? null : (host, port.Value);
    }

    /// <summary>The socket counts for an endpoint: same port, and the same host name or one of its resolved addresses.</summary>
    public static EndpointSockets? SocketsOf(SocketFacts? sockets, (string Host, int Port)? endpoint)
    {
        if (sockets is null || endpoint is not { } e)
        {
            return null;
        }

        return sockets.Endpoints.FirstOrDefault(s => s.Port == e.Port && SameHost(s, e.Host));
    }

    public static bool SameHost(EndpointSockets sockets, string host)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(host);
        if (string.Equals(sockets.Host, host, StringComparison.OrdinalIgnoreCase) || sockets.Addresses.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        var loopback = sockets.Addresses.Any(a => a is "127.0.0.1" or "::1");
        return loopback && (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || host is "127.0.0.1" or "::1");
    }
}
