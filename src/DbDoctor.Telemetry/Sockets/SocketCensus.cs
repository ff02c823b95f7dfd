using System.Net;
using System.Net.Sockets;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>A database endpoint to count sockets for, and where DbDoctor learned it.</summary>
public sealed record DatabaseEndpoint(string Host, int Port, string Source);

/// <summary>
/// Counts the target's sockets to its database endpoints. Endpoints come from the caller (heap pools, telemetry pool
/// names, --server); in addition, the target's own ESTABLISHED sockets to a well-known database port are taken as
/// endpoints, so that churn with Pooling=false (no pool, no metrics) is still seen while any connection is open.
/// </summary>
public static class SocketCensus
{
    /// <summary>The default ports of the registered drivers' databases.</summary>
    public static IReadOnlySet<int> WellKnownDatabasePorts { get; } = DriverCatalog.Default.DefaultPorts;

    public static SocketFacts Take(int pid, IEnumerable<DatabaseEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var takenAt = DateTimeOffset.UtcNow;
        // Descriptors are listed before and after the table: a socket opened or closed in between still counts as the target's.
        var ownedBefore = ProcessSocketInodes.Read(pid);
        IReadOnlyList<TcpSocket> table;
        try
        {
            table = TcpSocketTable.Read(pid);
        }
        catch (DbDoctorSocketException e)
        {
            return new SocketFacts { Pid = pid, TakenAt = takenAt, Warnings = [e.Message] };
        }

        var owned = new HashSet<long>(ownedBefore);
        owned.UnionWith(ProcessSocketInodes.Read(pid));
        var warnings = new List<string>();
        if (owned.Count == 0)
        {
            warnings.Add($"Could not list the socket descriptors of process {pid}: ESTABLISHED sockets are counted for the whole network namespace.");
        }

        return Count(pid, takenAt, table, owned, endpoints, warnings) with { TargetUptimeSeconds = ProcessUptime.Seconds(pid) };
    }

    /// <summary>The counting itself, on a table already read: what the unit tests exercise with captured tables.</summary>
    public static SocketFacts Count(
        int pid, DateTimeOffset takenAt, IReadOnlyList<TcpSocket> table, IReadOnlySet<long> ownedInodes,
        IEnumerable<DatabaseEndpoint> endpoints, List<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(ownedInodes);
        ArgumentNullException.ThrowIfNull(endpoints);
        warnings ??= [];
        var resolved = new List<(DatabaseEndpoint Endpoint, IReadOnlyList<IPAddress> Addresses)>();
        foreach (var endpoint in Distinct(endpoints.Concat(DiscoverFromOwnedSockets(table, ownedInodes))))
        {
            if (endpoint.Host.StartsWith('/') || endpoint.Host.StartsWith('@'))
            {
                warnings.Add($"The database at '{endpoint.Host}' is reached through a Unix-domain socket: no TCP sockets to count, churn shows only in the telemetry.");
                continue;
            }

            var addresses = Resolve(endpoint.Host);
            if (addresses.Count == 0)
            {
                warnings.Add($"Could not resolve database host '{endpoint.Host}': its sockets are not counted.");
                continue;
            }

            // Two names for one address (localhost and 127.0.0.1) must not count the same sockets twice.
            if (resolved.Any(r => r.Endpoint.Port == endpoint.Port && r.Addresses.Intersect(addresses).Any()))
            {
                continue;
            }

            resolved.Add((endpoint, addresses));
        }

        var result = resolved.Select(r => CountOne(r.Endpoint, r.Addresses, table, ownedInodes)).ToList();
        return new SocketFacts { Pid = pid, TakenAt = takenAt, Endpoints = result, Warnings = warnings };
    }

    private static EndpointSockets CountOne(DatabaseEndpoint endpoint, IReadOnlyList<IPAddress> addresses, IReadOnlyList<TcpSocket> table, IReadOnlySet<long> owned)
    {
        var byState = new Dictionary<string, int>();
        int established = 0, establishedByTarget = 0, closeWaitByTarget = 0, timeWait = 0, serverSideTimeWait = 0;
        foreach (var socket in table)
        {
            if (Matches(socket.Remote, endpoint.Port, addresses))
            {
                var name = TcpSocketTable.StateName(socket.State);
                byState[name] = byState.GetValueOrDefault(name) + 1;
                if (socket.State == TcpState.Established)
                {
                    established++;
                    if (owned.Contains(socket.Inode))
                    {
                        establishedByTarget++;
                    }
                }
                else if (socket.State == TcpState.TimeWait)
                {
                    timeWait++;
                }
                else if (socket.State == TcpState.CloseWait && owned.Contains(socket.Inode))
                {
                    closeWaitByTarget++;
                }
            }
            else if (socket.State == TcpState.TimeWait && Matches(socket.Local, endpoint.Port, addresses))
            {
                serverSideTimeWait++;
            }
        }

        return new EndpointSockets
        {
            Host = endpoint.Host,
            Port = endpoint.Port,
            Source = endpoint.Source,
            Addresses = addresses.Select(a => a.ToString()).ToList(),
            Established = established,
            EstablishedByTarget = establishedByTarget,
            CloseWaitByTarget = closeWaitByTarget,
            TimeWait = timeWait,
            ServerSideTimeWait = serverSideTimeWait,
            ByState = byState,
        };
    }

    private static IEnumerable<DatabaseEndpoint> DiscoverFromOwnedSockets(IReadOnlyList<TcpSocket> table, IReadOnlySet<long> owned) =>
        table.Where(s => s.State == TcpState.Established && s.Inode != 0 && owned.Contains(s.Inode) && WellKnownDatabasePorts.Contains(s.Remote.Port))
            .Select(s => new DatabaseEndpoint(Normalize(s.Remote.Address).ToString(), s.Remote.Port, EndpointSources.TargetSocket));

    private static IEnumerable<DatabaseEndpoint> Distinct(IEnumerable<DatabaseEndpoint> endpoints) =>
        endpoints.GroupBy(e => (Host: e.Host.ToUpperInvariant(), e.Port)).Select(g => g.First());

    private static bool Matches(IPEndPoint socketEnd, int port, IReadOnlyList<IPAddress> addresses) =>
        socketEnd.Port == port && addresses.Contains(Normalize(socketEnd.Address));

    /// <summary>::ffff:127.0.0.1 (an IPv4 peer of a dual-stack socket) is 127.0.0.1.</summary>
    internal static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IReadOnlyList<IPAddress> Resolve(string host)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [Normalize(literal)];
        }

        try
        {
            return Dns.GetHostAddresses(host).Select(Normalize).Distinct().ToList();
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
