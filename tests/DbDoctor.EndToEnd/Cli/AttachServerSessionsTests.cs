using DbDoctor.EndToEnd.Dump;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>attach --server</c> reads the server's own view of the target's sessions (pg_stat_activity) and joins it to the
/// heap's leaked connections by backend pid. Ground truth: the same view, read by the test independently of dbdoctor.
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AttachServerSessionsTests(PostgresServer server)
{
    [Fact]
    public async Task Leaked_transactions_carry_the_servers_idle_in_transaction_state_for_their_backend_pids()
    {
        var name = $"e2e-srv-sessions-{Guid.NewGuid():N}"[..30];
        using var app = await TestApp.StartAsync("npgsql-transaction-leak", ["--pg", server.ConnectionString, "--app-name", name, "--count", "3"]);
        Assert.Equal(3, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 3, TimeSpan.FromSeconds(5)));
        var leakedPids = server.Sessions(name).Where(s => s.State == "idle in transaction").Select(s => s.Pid).ToList();

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "2s", "--server", server.ConnectionString]);

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        Assert.DoesNotContain(PostgresServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
        var finding = Assert.Single(run.FindingsOf("leaked-transaction"));
        Assert.Equal(3, finding.GetProperty("count").GetInt32());
        var objectPids = finding.GetProperty("objects").EnumerateArray().Select(o => DumpReport.IntOrNull(o, "serverPid")).OfType<int>().Order().ToList();
        Assert.Equal(leakedPids, objectPids);

        var evidence = DumpReport.Strings(finding, "evidence");
        var line = Assert.Single(evidence, e => e.StartsWith("Server sessions (pg_stat_activity on Host=", StringComparison.Ordinal));
        foreach (var pid in leakedPids)
        {
            Assert.Matches($@"pid {pid} 'idle in transaction' for [0-9.]+ (s|min) \(transaction open [0-9.]+ (s|min)", line);
        }

        Assert.Contains("Server side (pg_stat_activity.state): 3 'idle in transaction'", evidence);
        // The server's connection string is never printed, nor any of its secrets.
        Assert.DoesNotContain("Username=", line, StringComparison.Ordinal);
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }
}
