using System.Net;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>
/// Samples the target's own ESTABLISHED TCP sockets during the telemetry window, so that connections the target opens
/// can be told apart from the TIME-WAIT sockets of other processes in the same network namespace. Endpoints are not
/// needed up front (the heap snapshot that names them comes after the window): every remote end is recorded, and
/// <see cref="StopAsync"/> counts per database endpoint.
/// </summary>
public sealed class SocketWatch : IAsyncDisposable
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(250);

    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    // Everything below is written by the sampling thread and read by StopAsync: guarded by _gate.
    private readonly object _gate = new();

    // Remote end -> local ports of the target's ESTABLISHED sockets to it; those of the first sample kept apart.
    private readonly Dictionary<IPEndPoint, HashSet<int>> _seen = [];
    private readonly Dictionary<IPEndPoint, HashSet<int>> _atStart = [];
    private readonly List<string> _warnings = [];
    private int _samples;

    private SocketWatch(int pid, TimeSpan interval)
    {
        _pid = pid;
        // A thread of its own: the sampling must keep its pace while the thread pool is busy decoding EventPipe events.
        _sampling = Task.Factory.StartNew(() => SampleLoop(interval, _stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public static SocketWatch Start(int pid, TimeSpan? interval = null) => new(pid, interval ?? DefaultInterval);

    /// <summary>Stops sampling and takes the final census of the endpoints, with what the watch saw of each.</summary>
    public async Task<SocketFacts> StopAsync(IEnumerable<DatabaseEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        var watched = (DateTimeOffset.UtcNow - _started).TotalSeconds;
        var census = SocketCensus.Take(_pid, endpoints);
        int samples;
        List<string> warnings;
        lock (_gate)
        {
            samples = _samples;
            warnings = [.. _warnings];
        }

        if (samples == 0)
        {
            return census with { Warnings = [.. census.Warnings, .. warnings] };
        }

        IReadOnlyList<TcpSocket> table;
        try
        {
            table = TcpSocketTable.Read(_pid);
        }
        catch (DbDoctorSocketException)
        {
            table = [];
        }

        var annotated = census.Endpoints.Select(e => Annotate(e, table)).ToList();
        return census with { WatchSeconds = watched, Endpoints = annotated, Warnings = [.. census.Warnings, .. warnings] };
    }

    private EndpointSockets Annotate(EndpointSockets endpoint, IReadOnlyList<TcpSocket> table)
    {
        var addresses = endpoint.Addresses.Select(IPAddress.Parse).ToHashSet();
        bool Matches(IPEndPoint remote) => remote.Port == endpoint.Port && addresses.Contains(SocketCensus.Normalize(remote.Address));

        HashSet<int> opened = [];
        HashSet<int> everOwned = [];
        lock (_gate)
        {
            foreach (var (remote, ports) in _seen.Where(kv => Matches(kv.Key)))
            {
                everOwned.UnionWith(ports);
                var initial = _atStart.GetValueOrDefault(remote) ?? [];
                opened.UnionWith(ports.Where(p => !initial.Contains(p)));
            }
        }

        var timeWaitByTarget = table.Count(s => s.State == TcpState.TimeWait && Matches(s.Remote) && everOwned.Contains(s.Local.Port));
        return endpoint with { OpenedByTarget = opened.Count, TimeWaitByTarget = timeWaitByTarget };
    }

    private void SampleLoop(TimeSpan interval, CancellationToken stop)
    {
        do
        {
            try
            {
                Sample();
            }
            catch (DbDoctorSocketException e)
            {
                lock (_gate)
                {
                    _warnings.Add($"Stopped watching the sockets of process {_pid}: {e.Message}");
                }

                return;
            }
        }
        while (!stop.WaitHandle.WaitOne(interval));
    }

    private void Sample()
    {
        var owned = ProcessSocketInodes.Read(_pid);
        var table = TcpSocketTable.Read(_pid);
        lock (_gate)
        {
            var first = _samples == 0;
            foreach (var socket in table.Where(s => s.State == TcpState.Established && s.Inode != 0 && owned.Contains(s.Inode)))
            {
                var remote = new IPEndPoint(SocketCensus.Normalize(socket.Remote.Address), socket.Remote.Port);
                Add(_seen, remote, socket.Local.Port);
                if (first)
                {
                    Add(_atStart, remote, socket.Local.Port);
                }
            }

            _samples++;
        }
    }

    private static void Add(Dictionary<IPEndPoint, HashSet<int>> map, IPEndPoint remote, int port)
    {
        if (!map.TryGetValue(remote, out var ports))
        {
            map[remote] = ports = [];
        }

        ports.Add(port);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sampling.ConfigureAwait(false);
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
