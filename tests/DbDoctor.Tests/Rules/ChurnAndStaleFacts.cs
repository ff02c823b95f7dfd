using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Rules;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Tests.Rules;

/// <summary>The synthetic pool, series, sockets and heap the churn and stale-connection rule tests share (a base class, so
/// that <c>Sockets(...)</c> wins over the <c>DbDoctor.Tests.Sockets</c> namespace).</summary>
public abstract class ChurnAndStaleFacts
{
    protected const string Driver = "Npgsql";
    protected const string ConnectionString = "Host=127.0.0.1;Port=5432;Database=shop;Username=app;Password=hunter2";
    protected static readonly TargetInfo Target = new() { Kind = "process", Pid = 4242 };

    protected static PoolFact Pool(bool pooling = true, int min = 0, int max = 100, double? idleLifetime = 300, double? lifetime = 3600, int idle = 0) => new()
    {
        Driver = Driver,
        Address = 0x7f0010,
        TypeName = pooling ? "Npgsql.PoolingDataSource" : "Npgsql.UnpooledDataSource",
        Name = ConnectionStrings.Redact(ConnectionString),
        ConnectionString = ConnectionStrings.Redact(ConnectionString),
        DriverManaged = true,
        Pooling = pooling,
        Min = pooling ? min : null,
        Max = pooling ? max : null,
        IdleLifetimeSeconds = idleLifetime,
        LifetimeSeconds = lifetime,
        Total = idle,
        Idle = idle,
        Busy = 0,
        Host = "127.0.0.1",
        Port = 5432,
        Database = "shop",
    };

    /// <summary>One sample per second; created climbs by <paramref name="createdPerSecond"/>, open connections saw-tooth between bursts.</summary>
    protected static PoolSeries Series(double createdPerSecond, double opsPerSecond, int seconds = 10) => new()
    {
        Driver = Driver,
        Name = ConnectionStrings.Redact(ConnectionString),
        Samples = Enumerable.Range(1, seconds).Select(t => new PoolSample
        {
            Time = t,
            Used = t % 3 == 0 ? 8 : 0,
            Idle = t % 3 == 1 ? 8 : 0,
            Max = 100,
            ConnectionsCreated = createdPerSecond * t,
            OperationsPerSecond = opsPerSecond,
        }).ToList(),
    };

    protected static SocketFacts Sockets(int timeWait, int serverSide = 0, int established = 0) => new()
    {
        Pid = 4242,
        TakenAt = DateTimeOffset.UnixEpoch,
        Endpoints =
        [
            new EndpointSockets
            {
                Host = "127.0.0.1",
                Port = 5432,
                Addresses = ["127.0.0.1"],
                Source = EndpointSources.Pool,
                TimeWait = timeWait,
                ServerSideTimeWait = serverSide,
                Established = established,
                EstablishedByTarget = established,
                ByState = new Dictionary<string, int> { ["TIME_WAIT"] = timeWait, ["ESTABLISHED"] = established },
            },
        ],
    };

    protected static HeapFacts Heap(params PoolFact[] pools) => Heap(pools, []);

    protected static HeapFacts Heap(PoolFact[] pools, ConnectionFact[] connections) => new()
    {
        Target = Target,
        Drivers = [new DriverInfo(Driver, "10.0.0")],
        Pools = pools,
        Connections = connections,
    };

    protected static IReadOnlyList<Finding> Run(DiagnosisInput input, string kind) =>
        Diagnoser.Diagnose(input).Findings.Where(f => f.Kind == kind).ToList();
}
