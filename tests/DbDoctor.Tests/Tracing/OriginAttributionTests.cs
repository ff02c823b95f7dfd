using System.Text.Json;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Origins;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;
using DbDoctor.Rendering.Html;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Tracing;

/// <summary>attach --trace: traced operations joined to the heap's connections by driver and server session id, from facts alone.</summary>
public sealed class OriginAttributionTests
{
    private const ulong Pool = 0x7f00_0000_1000;
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);

    private static readonly TracedFrame[] ChargeStack =
    [
        new() { Method = "Npgsql.NpgsqlCommand.ExecuteNonQuery", Module = "Npgsql", Owner = FrameOwners.Driver },
        new() { Method = "Shop.Billing.Charge", Module = "Shop", Owner = FrameOwners.Application },
        new() { Method = "Shop.OrdersController+<Checkout>d__4.MoveNext", Module = "Shop", Owner = FrameOwners.Application },
        new() { Method = "System.Threading.ExecutionContext.RunInternal", Module = "System.Private.CoreLib", Owner = FrameOwners.Framework },
    ];

    private static readonly TracedFrame[] WorkerStack =
    [
        new() { Method = "Shop.Worker+<>c__DisplayClass3_0+<<Run>b__0>d.MoveNext", Module = "Shop", Owner = FrameOwners.Application },
        new() { Method = "System.Runtime.CompilerServices.AsyncMethodBuilderCore.Start", Module = "System.Private.CoreLib", Owner = FrameOwners.Framework },
    ];

    private static TracedOperation Op(int pid, double seconds, TracedFrame[] frames, string sql = "SELECT 1", string operation = TracedOperations.Execute) => new()
    {
        Driver = Npgsql,
        Operation = operation,
        Time = Start.AddSeconds(seconds),
        ServerPid = pid,
        Sql = sql,
        Stopped = true,
        Frames = frames,
    };

    private static TelemetryFacts Traced(params TracedOperation[] operations) => new()
    {
        WindowSeconds = 20,
        Trace = new TraceFacts { StartedAt = Start, SnapshotAt = Start.AddSeconds(20), Drivers = [Npgsql], Operations = operations, OperationsTraced = operations.Length },
    };

    [Fact]
    public void Each_leak_gets_the_last_operation_on_its_session_and_those_before_tracing_are_counted_not_guessed()
    {
        // 3 leaked: 4001 and 4002 ran healthy work, then the leak in Billing.Charge; 4003 was leaked before tracing began.
        var heap = Heap([NpgsqlPool(Pool, busy: 3)],
        [
            Connector(0x10, Pool, transaction: true, serverPid: 4003),
            Connector(0x20, Pool, transaction: true, serverPid: 4001),
            Connector(0x30, Pool, transaction: true, serverPid: 4002),
        ]);
        var telemetry = Traced(
            Op(4001, 1, WorkerStack), Op(4001, 5, ChargeStack, "INSERT INTO orders VALUES (1)"),
            Op(4002, 2, WorkerStack), Op(4002, 9, ChargeStack, "INSERT INTO orders VALUES (2)"),
            Op(4004, 10, WorkerStack));

        var report = Diagnose(heap, telemetry);

        var finding = Single(report, FindingKinds.LeakedTransaction);
        Assert.Contains("Origin known for 2 of 3 leaked transactions; 1 last ran before tracing began (run with a longer --duration)", finding.Evidence);
        Assert.Contains("Origin: 2 of 3 from Shop.Billing.Charge ← async Shop.OrdersController.Checkout", finding.Evidence);
        var group = Assert.Single(finding.Origins!);
        Assert.Equal(2, group.Count);
        Assert.Equal(["Shop.Billing.Charge", "async Shop.OrdersController.Checkout"], group.Frames);

        // Attributed objects first, each with its own operation; the untraced one last, without an origin.
        Assert.Equal(["0x20", "0x30", "0x10"], finding.Objects.Select(o => o.Address));
        var origin = finding.Objects[0].Origin!;
        Assert.Equal("execute", origin.Operation);
        Assert.Equal("2026-12-07T16:00:05.000Z", origin.Time);
        Assert.Equal("INSERT INTO orders VALUES (1)", origin.Sql);
        Assert.Equal(4, origin.Stack.Count);
        Assert.Equal("INSERT INTO orders VALUES (2)", finding.Objects[1].Origin!.Sql);
        Assert.Null(finding.Objects[2].Origin);

        Assert.Equal(new TraceReport { StartedAt = "2026-12-07T16:00:00.000Z", SnapshotAt = "2026-12-07T16:00:20.000Z", Operations = 5, Attributed = 2, Unattributed = 1 }, report.Telemetry!.Trace);
    }

    [Fact]
    public void Operations_after_the_snapshot_was_written_explain_nothing()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, transaction: true, serverPid: 4001)]);
        var telemetry = Traced(Op(4001, 3, ChargeStack), Op(4001, 25, WorkerStack));

        var finding = Single(Diagnose(heap, telemetry), FindingKinds.LeakedTransaction);

        Assert.Equal(["Shop.Billing.Charge", "async Shop.OrdersController.Checkout"], finding.Objects[0].Origin!.Frames);
    }

    [Fact]
    public void Where_each_checkout_is_an_open_activity_the_latest_open_or_the_begin_inside_it_is_the_origin()
    {
        const string driver = "MySqlConnector";
        var heap = Heap([NpgsqlPool(Pool, busy: 2) with { Driver = driver }],
        [
            Connector(0x10, Pool, transaction: true, serverPid: 12, driver: driver),
            Connector(0x20, Pool, serverPid: 13, driver: driver),
        ]);
        TracedOperation My(int pid, double s, TracedFrame[] frames, string operation) => Op(pid, s, frames, operation: operation) with { Driver = driver };
        var telemetry = new TelemetryFacts
        {
            WindowSeconds = 20,
            Trace = new TraceFacts
            {
                StartedAt = Start,
                Drivers = [driver],
                Operations =
                [
                    My(12, 1, WorkerStack, TracedOperations.Open), My(12, 2, ChargeStack, TracedOperations.Open),
                    My(12, 3, ChargeStack, TracedOperations.BeginTransaction), My(12, 4, WorkerStack, TracedOperations.Execute),
                    My(13, 1, ChargeStack, TracedOperations.Open), My(13, 2, WorkerStack, TracedOperations.Execute),
                ],
            },
        };

        var report = Diagnose(heap, telemetry);

        var transaction = Single(report, FindingKinds.LeakedTransaction).Objects.Single();
        Assert.Equal(TracedOperations.BeginTransaction, transaction.Origin!.Operation);
        Assert.Equal("Shop.Billing.Charge", transaction.Origin.Frames[0]);
        var connection = Single(report, FindingKinds.LeakedConnection).Objects.Single();
        Assert.Equal(TracedOperations.Open, connection.Origin!.Operation);
        Assert.Equal("Shop.Billing.Charge", connection.Origin.Frames[0]);
    }

    [Fact]
    public void Connections_the_trace_cannot_see_are_said_to_be_untraceable()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 2)],
        [
            Connector(0x10, Pool, transaction: true, serverPid: null),
            Connector(0x20, Pool, transaction: true, serverPid: 4001),
        ]);

        var finding = Single(Diagnose(heap, Traced(Op(4001, 1, ChargeStack))), FindingKinds.LeakedTransaction);

        Assert.Contains("Origin known for 1 of 2 leaked transactions; 1 cannot be traced (the driver publishes no activities, or the heap does not show the server's session id)", finding.Evidence);
    }

    [Fact]
    public void Held_connections_get_origins_too_and_untraced_reports_carry_none_of_it()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, held: true, serverPid: 4001, holder: "static Worker.Listener")]);

        var traced = Single(Diagnose(heap, Traced(Op(4001, 1, WorkerStack, "LISTEN jobs"))), FindingKinds.HeldConnection);
        Assert.Equal("async lambda in Shop.Worker.Run", traced.Objects[0].Origin!.Frames[0]);
        Assert.Contains("Origin known for 1 of 1 held connection", traced.Evidence);

        var plain = Diagnose(heap, new TelemetryFacts { WindowSeconds = 10 });
        Assert.Null(Single(plain, FindingKinds.HeldConnection).Origins);
        Assert.Null(plain.Telemetry!.Trace);
        // Untraced, the contract's fields are written as null (never left out).
        using var json = JsonDocument.Parse(new JsonRenderer().Render(plain));
        var finding = json.RootElement.GetProperty("findings")[0];
        Assert.Equal(JsonValueKind.Null, finding.GetProperty("origins").ValueKind);
        Assert.Equal(JsonValueKind.Null, finding.GetProperty("objects")[0].GetProperty("origin").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("telemetry").GetProperty("trace").ValueKind);
    }

    [Fact]
    public void Every_format_shows_the_origins_and_redacts_them()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, transaction: true, serverPid: 4001)]);
        var report = Diagnose(heap, Traced(Op(4001, 1, ChargeStack, "SELECT 'Password=hunter2'")));

        var json = new JsonRenderer().Render(report);
        using (var document = JsonDocument.Parse(json))
        {
            var finding = document.RootElement.GetProperty("findings")[0];
            Assert.Equal(1, finding.GetProperty("origins")[0].GetProperty("count").GetInt32());
            var origin = finding.GetProperty("objects")[0].GetProperty("origin");
            Assert.Equal(["operation", "time", "sql", "frames", "stack"], origin.EnumerateObject().Select(p => p.Name));
            var trace = document.RootElement.GetProperty("telemetry").GetProperty("trace");
            Assert.Equal(["enabled", "startedAt", "snapshotAt", "operations", "attributed", "unattributed"], trace.EnumerateObject().Select(p => p.Name));
        }

        foreach (var text in new[] { json, new ConsoleRenderer().Render(report), new MarkdownRenderer().Render(report), new HtmlRenderer().Render(report) })
        {
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            Assert.Contains("Shop.Billing.Charge", text, StringComparison.Ordinal);
        }

        Assert.Contains("origin: execute at 16:00:01Z: Shop.Billing.Charge ← async Shop.OrdersController.Checkout", new ConsoleRenderer().Render(report), StringComparison.Ordinal);
        Assert.Contains("Trace: 1 driver operations traced; origin known for 1 of 1 leaked or held connection", new MarkdownRenderer().Render(report), StringComparison.Ordinal);
    }

    [Fact]
    public void State_machines_read_as_async_methods_or_iterators_by_who_runs_their_MoveNext()
    {
        TracedFrame[] stack =
        [
            new() { Method = "Shop.Reports+<Rows>d__3.MoveNext", Module = "Shop", Owner = FrameOwners.Application },
            new() { Method = "Shop.Exporter+<ExportAsync>d__1.MoveNext", Module = "Shop", Owner = FrameOwners.Application },
            new() { Method = "System.Threading.ExecutionContext.RunInternal", Module = "System.Private.CoreLib", Owner = FrameOwners.Framework },
        ];

        var origin = OriginAttribution.ToReport(Op(4001, 1, stack));

        Assert.Equal(["iterator Shop.Reports.Rows", "async Shop.Exporter.ExportAsync"], origin.Frames);
        Assert.Equal(3, origin.Stack.Count);
    }
}
