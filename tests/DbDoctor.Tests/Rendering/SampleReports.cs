using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Tests.Diagnosis;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Rendering;

internal static class SampleReports
{
    /// <summary>5 leaked transactions exhausting a pool of 5, one held connection elsewhere, and a pool name that smuggles a password.</summary>
    public static Report LeakyShop()
    {
        const ulong pool = 0x7f3a_2c01_05e8;
        const ulong listenPool = 0x7f3a_2c01_9000;
        var connections = Range(5, 0x7f3a_2d00_0000, a => Connector(a, pool, transaction: true, serverPid: 4100, sql: "UPDATE stock SET n = n - 1 WHERE id = 7"))
            .Append(Connector(0x7f3a_2e00_0000, listenPool, held: true, holder: "Worker|Listen"))
            .ToList();
        var heap = Heap(
            [
                NpgsqlPool(pool, max: 5, busy: 5) with { Name = "Host=db;Database=shop;Password=hunter2" },
                NpgsqlPool(listenPool, "Host=db;Database=events", busy: 1),
            ],
            connections) with { Warnings = ["Could not read one timer"] };
        var telemetry = new TelemetryFacts
        {
            WindowSeconds = 10,
            Pools = [new PoolSeries { Driver = Npgsql, Name = "Host=db;Database=shop;Password=hunter2", Samples = [new PoolSample { Time = 1, Used = 5, Max = 5 }] }],
        };
        return Diagnose(heap, telemetry);
    }

    public static Report Healthy() => Diagnose(Heap([NpgsqlPool(0x1000, idle: 2)]));
}
