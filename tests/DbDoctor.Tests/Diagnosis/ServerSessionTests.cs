using DbDoctor.Diagnosis;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>The server's view of the sessions (attach --server) joined to the heap's leaked connections by server pid.</summary>
public sealed class ServerSessionTests
{
    private const ulong Pool = 0x7f00_0000_1000;
    private const string Source = "pg_stat_activity on Host=127.0.0.1;Port=5432;Database=shop";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    private static Report Diagnose(HeapFacts heap, ServerSessionFacts? server) =>
        Diagnoser.Diagnose(new DiagnosisInput { Target = heap.Target, Heap = heap, ServerSessions = server });

    private static ServerSessionFacts Server(IReadOnlyList<int> asked, params ServerSessionFact[] sessions) =>
        new() { Source = Source, ServerTime = Now, AskedPids = asked, Sessions = sessions };

    private static ServerSessionFact Session(int pid, string state, double inStateSeconds, double? transactionSeconds = null, string? query = null) => new()
    {
        ServerPid = pid,
        State = state,
        StateChange = Now.AddSeconds(-inStateSeconds),
        TransactionStart = transactionSeconds is { } t ? Now.AddSeconds(-t) : null,
        Query = query,
        ApplicationName = "shop",
    };

    [Fact]
    public void A_leaked_transaction_shows_each_backend_pid_with_the_servers_state_and_how_long()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 2)],
        [
            Connector(0x10, Pool, transaction: true, serverPid: 4318),
            Connector(0x20, Pool, transaction: true, serverPid: 4323, sql: "UPDATE a SET b = 1"),
        ]);
        var server = Server([4318, 4323],
            Session(4318, "idle in transaction", 42, transactionSeconds: 44, query: "UPDATE orders\n SET paid = true"),
            Session(4323, "idle in transaction", 7.4, transactionSeconds: 8));

        var finding = Single(Diagnose(heap, server), FindingKinds.LeakedTransaction);

        var line = Assert.Single(finding.Evidence, e => e.StartsWith("Server sessions (", StringComparison.Ordinal));
        Assert.Equal(
            $"Server sessions ({Source}): pid 4318 'idle in transaction' for 42 s (transaction open 44 s; last query 'UPDATE orders SET paid = true'), " +
            "pid 4323 'idle in transaction' for 7 s (transaction open 8 s)",
            line);
        Assert.Contains("Server side (pg_stat_activity.state): 2 'idle in transaction'", finding.Evidence);
    }

    [Fact]
    public void The_state_tally_is_the_servers_word_not_the_heaps_guess_and_a_missing_session_is_said_so()
    {
        // The heap reads both connectors as Ready in a transaction; the server says one is active and knows nothing of the other.
        var heap = Heap([NpgsqlPool(Pool, busy: 2)],
        [
            Connector(0x10, Pool, transaction: true, serverPid: 501),
            Connector(0x20, Pool, transaction: true, serverPid: 502),
        ]);
        var server = Server([501, 502], Session(501, "active", 3));

        var finding = Single(Diagnose(heap, server), FindingKinds.LeakedTransaction);

        Assert.Contains("Server side (pg_stat_activity.state): 1 'active', 1 not listed by the server", finding.Evidence);
        Assert.Contains(finding.Evidence, e => e.Contains("pid 502 not listed by the server", StringComparison.Ordinal));
        Assert.DoesNotContain(finding.Evidence, e => e.Contains("idle in transaction", StringComparison.Ordinal));
    }

    [Fact]
    public void A_leaked_connection_gets_the_server_line_too_and_without_server_answer_the_report_is_unchanged()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, serverPid: 77)]);

        var withServer = Single(Diagnose(heap, Server([77], Session(77, "idle", 120))), FindingKinds.LeakedConnection);
        var without = Single(Diagnose(heap, null), FindingKinds.LeakedConnection);

        Assert.Contains($"Server sessions ({Source}): pid 77 'idle' for 2 min", withServer.Evidence);
        Assert.Equal(without.Evidence, withServer.Evidence.Where(e => !e.StartsWith("Server sessions (", StringComparison.Ordinal)));
    }

    [Fact]
    public void Connections_whose_pid_was_not_asked_get_no_server_line()
    {
        var heap = Heap([NpgsqlPool(Pool, busy: 1)], [Connector(0x10, Pool, transaction: true, serverPid: 9)]);

        var finding = Single(Diagnose(heap, Server([10], Session(10, "idle in transaction", 5))), FindingKinds.LeakedTransaction);

        Assert.DoesNotContain(finding.Evidence, e => e.StartsWith("Server sessions (", StringComparison.Ordinal));
        Assert.Contains("Server side (pg_stat_activity.state): 1 'idle in transaction'", finding.Evidence); // the heap's reading
    }
}
