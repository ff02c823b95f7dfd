using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>dbdoctor attach --server</c> on MySqlConnector leaks: the server's own view (information_schema.processlist and
/// innodb_trx) joined to the heap's sessions by server thread id, checked against the same views read by the test.
/// </summary>
[Collection("mariadb")]
public sealed class MySqlServerAttachTests(MariaDbServer server)
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    /// <summary>The "Server sessions (…): pid N 'Sleep' for 3 s (…), …" evidence line, each pid with its text.</summary>
    private static Dictionary<long, string> ServerLine(JsonElement finding, string source)
    {
        var line = Assert.Single(DumpReport.Strings(finding, "evidence"), e => e.StartsWith("Server sessions (", StringComparison.Ordinal));
        Assert.StartsWith($"Server sessions ({source}): ", line, StringComparison.Ordinal);
        return Regex.Matches(line[(line.IndexOf("): ", StringComparison.Ordinal) + 3)..], @"pid (\d+) ([^,]+(?:\([^)]*\))?)")
            .ToDictionary(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => m.Groups[2].Value.Trim());
    }

    private static IEnumerable<long> ThreadIds(JsonElement finding) =>
        finding.GetProperty("objects").EnumerateArray().Select(o => (long)(DumpReport.IntOrNull(o, "serverPid") ?? 0));

    [Fact]
    public async Task Each_leaked_transaction_shows_how_long_the_server_has_it_open_and_the_rows_it_locks()
    {
        var database = $"e2e_srv_tx_{RunId}";
        var connectionString = server.ConnectionStringFor(database);
        using var app = await TestApp.StartAsync("mysql-transaction-leak", ["--mysql", connectionString, "--count", "3"]);

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "2s", "--server", connectionString]);

        var finding = Assert.Single(run.FindingsOf("leaked-transaction"));
        Assert.Equal(app.ExpectedCount("leaked-transaction"), finding.GetProperty("count").GetInt32());
        var transactions = server.Transactions(database);
        Assert.Equal(transactions.Select(t => t.ThreadId).Order(), ThreadIds(finding).Order());
        var sessions = ServerLine(finding, $"information_schema.processlist and innodb_trx on Server=127.0.0.1;Port={server.Port};Database={database}");
        Assert.Equal(transactions.Select(t => t.ThreadId).Order(), sessions.Keys.Order());
        foreach (var t in transactions)
        {
            Assert.Matches($@"^'Sleep' for \d+ s \(transaction open \d+ s; {t.RowsLocked} row locked\)$", sessions[t.ThreadId]);
        }

        Assert.Contains(DumpReport.Strings(finding, "evidence"), e => e.StartsWith("Server side (", StringComparison.Ordinal) && e.EndsWith("with --server): 3 'Sleep'", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Warnings, w => w.Contains("Could not ask", StringComparison.Ordinal));
        Assert.DoesNotContain(MariaDbServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_leaked_connection_shows_how_long_the_server_has_seen_it_sleep()
    {
        var database = $"e2e_srv_conn_{RunId}";
        var connectionString = server.ConnectionStringFor(database);
        using var app = await TestApp.StartAsync("mysql-connection-leak", ["--mysql", connectionString, "--count", "2"]);

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "2s", "--server", connectionString]);

        var finding = Assert.Single(run.FindingsOf("leaked-connection"));
        Assert.Equal(app.ExpectedCount("leaked-connection"), finding.GetProperty("count").GetInt32());
        var threads = server.Threads(database);
        var sessions = ServerLine(finding, $"information_schema.processlist and innodb_trx on Server=127.0.0.1;Port={server.Port};Database={database}");
        Assert.Equal(ThreadIds(finding).Order(), sessions.Keys.Order());
        foreach (var (id, text) in sessions)
        {
            var thread = Assert.Single(threads, t => t.Id == id);
            Assert.Equal("Sleep", thread.Command);
            // The server's idle clock, read by dbdoctor a moment before the test read it.
            var seconds = int.Parse(Assert.Single(Regex.Matches(text, @"^'Sleep' for (\d+) s$")).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(seconds, 2, thread.TimeSeconds);
        }

        Assert.DoesNotContain(MariaDbServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
    }
}
