using System.Net;
using System.Net.Sockets;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry.Sockets;

namespace DbDoctor.Tests.Sockets;

public sealed class SocketWatchTests
{
    [Fact]
    public async Task Sees_the_connections_this_process_opens_and_the_time_wait_sockets_it_leaves()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var heldOpen = new TcpClient();
        heldOpen.Connect(IPAddress.Loopback, port);
        using var heldAccepted = listener.AcceptTcpClient();

        var watch = SocketWatch.Start(Environment.ProcessId, TimeSpan.FromMilliseconds(20));
        await Task.Delay(100);
        for (var i = 0; i < 4; i++)
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using var accepted = listener.AcceptTcpClient();
            // Held long enough for a 20 ms sampler to see it even on a busy machine.
            await Task.Delay(400);

            // The client closes first, so the TIME-WAIT is on its side, with its local port.
            client.Close();
            await Task.Delay(20);
        }

        var facts = await watch.StopAsync([new DatabaseEndpoint("127.0.0.1", port, EndpointSources.ServerOption)]);

        Assert.NotNull(facts.WatchSeconds);
        var endpoint = Assert.Single(facts.Endpoints);
        var seen = $"opened {endpoint.OpenedByTarget}, time-wait by target {endpoint.TimeWaitByTarget}, time-wait {endpoint.TimeWait}, established by target {endpoint.EstablishedByTarget}";
        Assert.True(endpoint is { OpenedByTarget: 4, TimeWaitByTarget: 4, TimeWait: 4, EstablishedByTarget: 1 }, seen);
    }

    [Fact]
    public void Endpoints_come_from_heap_pools_telemetry_names_and_the_server_option()
    {
        var heap = new HeapFacts
        {
            Target = new TargetInfo { Kind = "process", Pid = 1 },
            Pools =
            [
                new PoolFact { Driver = "Npgsql", Address = 1, TypeName = "Npgsql.UnpooledDataSource", Name = "a", Pooling = false, Host = "db1,db2", Port = 6432 },
                new PoolFact { Driver = "Npgsql", Address = 2, TypeName = "Npgsql.PoolingDataSource", Name = "b", Host = "db3" },
                new PoolFact { Driver = "Microsoft.Data.Sqlite", Address = 3, TypeName = "SqliteConnectionPool", Name = "c" },
            ],
        };
        var telemetry = new TelemetryFacts { WindowSeconds = 1, Pools = [new PoolSeries { Driver = "Npgsql", Name = "Host=db4;Port=5433;Database=x;Password=***" }] };

        var endpoints = DatabaseEndpoints.From(heap, telemetry, "Host=db5;Username=u;Password=secret");

        Assert.Equal(
            ["db1:6432:pool", "db3:5432:pool", "db4:5433:telemetry", "db5:5432:server-option"],
            endpoints.Select(e => $"{e.Host}:{e.Port}:{e.Source}"));
    }
}
