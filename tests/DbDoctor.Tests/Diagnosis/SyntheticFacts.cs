using DbDoctor.Diagnosis;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>Hand-built facts shaped like what the heap analysis and the live collector produce for Npgsql, Sqlite and SqlClient.</summary>
internal static class SyntheticFacts
{
    public const string Npgsql = "Npgsql";
    public const string Sqlite = "Microsoft.Data.Sqlite";
    public const string ShopConnectionString = "Host=127.0.0.1;Port=5432;Database=shop;Username=app;Maximum Pool Size=10";

    public static readonly TargetInfo DumpTarget = new() { Kind = "dump", Path = "/tmp/app.dmp", RuntimeVersion = "10.0.12" };

    public static PoolFact NpgsqlPool(
        ulong address,
        string connectionString = ShopConnectionString,
        int max = 10,
        int busy = 0,
        int idle = 0,
        bool driverManaged = false,
        bool disposed = false,
        IReadOnlyList<string>? retainedBy = null,
        string? holder = null) => new()
        {
            Driver = Npgsql,
            Address = address,
            TypeName = "Npgsql.PoolingDataSource",
            Name = ConnectionStrings.Redact(connectionString),
            ConnectionString = ConnectionStrings.Redact(connectionString),
            DriverManaged = driverManaged,
            Max = max,
            Min = 0,
            Total = busy + idle,
            Idle = idle,
            Busy = busy,
            Disposed = disposed,
            Host = ConnectionStrings.GetValue(connectionString, "Host"),
            Port = 5432,
            Database = ConnectionStrings.GetValue(connectionString, "Database"),
            RetainedBy = retainedBy ?? [RetainerKinds.Application],
            Holder = holder,
        };

    public static ConnectionFact Connector(
        ulong address,
        ulong pool,
        bool held = false,
        bool transaction = false,
        bool reader = false,
        int? serverPid = null,
        string? sql = null,
        string? holder = null,
        bool checkedOut = true,
        string driver = Npgsql) => new()
        {
            Driver = driver,
            Address = address,
            TypeName = "Npgsql.Internal.NpgsqlConnector",
            PoolAddress = pool,
            State = reader ? "Fetching" : "Ready",
            CheckedOut = checkedOut,
            Transaction = transaction ? new TransactionFact { TypeName = "Npgsql.NpgsqlTransaction", Address = address + 0x100, Open = true, State = "in transaction" } : null,
            Reader = reader ? new ReaderFact { TypeName = "Npgsql.NpgsqlDataReader", Address = address + 0x200, Open = true, State = "InResult" } : null,
            Held = held,
            Holder = holder,
            RootPath = held ? ["static Worker.Listener", "Npgsql.NpgsqlConnection", "Npgsql.Internal.NpgsqlConnector"] : [],
            Sql = sql,
            ServerPid = serverPid,
        };

    public static HeapFacts Heap(IReadOnlyList<PoolFact> pools, IReadOnlyList<ConnectionFact>? connections = null, IReadOnlyList<GenericDbObjectFact>? generic = null) => new()
    {
        Target = DumpTarget,
        Drivers = [new DriverInfo(Npgsql, "10.0.0")],
        Pools = pools,
        Connections = connections ?? [],
        GenericObjects = generic ?? [],
        Stats = new HeapStats { ObjectsMarkedLive = 12345, HeapBytes = 1 << 20, AnalysisTime = TimeSpan.FromSeconds(1.5) },
    };

    public static Report Diagnose(HeapFacts? heap, TelemetryFacts? telemetry = null, DiagnosisOptions? options = null) =>
        Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = heap?.Target ?? new TargetInfo { Kind = "process", Pid = 4242 },
            Heap = heap,
            Telemetry = telemetry,
            Options = options ?? new DiagnosisOptions(),
        });

    /// <summary>A series where used climbs by <paramref name="perSecond"/> each second from <paramref name="start"/> up to max, then stays there.</summary>
    public static PoolSeries ClimbingSeries(string name, double perSecond, int seconds, double max = 10, double start = 0, double pendingAtMax = 0, double timeoutsAtMax = 0) => new()
    {
        Driver = Npgsql,
        Name = name,
        Samples = Enumerable.Range(0, seconds + 1).Select(t =>
        {
            var used = Math.Min(max, start + (perSecond * t));
            var atMax = used >= max;
            return new PoolSample
            {
                Time = t,
                Used = used,
                Idle = 0,
                Max = max,
                PendingRequests = atMax ? pendingAtMax : 0,
                Timeouts = atMax ? timeoutsAtMax : 0,
                OperationsPerSecond = atMax ? 0 : 100,
            };
        }).ToList(),
    };

    public static Finding Single(Report report, string kind) => Assert.Single(report.Findings, f => f.Kind == kind);

    public static IEnumerable<ConnectionFact> Range(int count, ulong firstAddress, Func<ulong, ConnectionFact> make) =>
        Enumerable.Range(0, count).Select(i => make(firstAddress + ((ulong)i * 0x1000)));
}
