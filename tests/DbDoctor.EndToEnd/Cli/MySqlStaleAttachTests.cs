using System.Globalization;
using DbDoctor.EndToEnd.Dump;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>A private MariaDB that closes sessions idle for 2 s (wait_timeout), for the stale-connection test.</summary>
public sealed class ShortWaitTimeoutMariaDb : IDisposable
{
    public const int WaitTimeoutSeconds = 2;

    public MariaDbServer Server { get; } = MariaDbServer.Start(new Dictionary<string, string>
    {
        ["wait-timeout"] = WaitTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
        ["interactive-timeout"] = WaitTimeoutSeconds.ToString(CultureInfo.InvariantCulture),
    });

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// The seed's stale connections on MySQL: a pool keeping idle sessions for 300 s in front of a server whose wait_timeout
/// is 2 s, and requests after 4 s pauses. With Connection Reset=false the application's commands fail; with the default
/// the driver swallows the socket errors and replaces the session, and only the first-chance exceptions tell.
/// </summary>
public sealed class MySqlStaleAttachTests(ShortWaitTimeoutMariaDb fixture) : IClassFixture<ShortWaitTimeoutMariaDb>
{
    [Theory]
    [InlineData("false")]
    [InlineData("true")]
    public async Task Sessions_the_server_closed_are_reported_stale_against_the_pools_idle_timeout(string connectionReset)
    {
        using var app = await TestApp.StartAsync("mysql-stale",
            "--mysql", fixture.Server.ConnectionStringFor("e2e_stale_" + connectionReset), "--pause-ms", "4000", "--connection-reset", connectionReset);
        Assert.Equal(ShortWaitTimeoutMariaDb.WaitTimeoutSeconds, app.Info.GetProperty("waitTimeoutSeconds").GetInt32());

        // The server's timeout given by hand, or asked from the server itself (--server: SELECT @@wait_timeout).
        var connectionString = fixture.Server.ConnectionStringFor("e2e_stale_" + connectionReset);
        string[] server = connectionReset == "false" ? ["--server", connectionString] : ["--server-idle-timeout", "2s"];
        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "10s", .. server]);

        var stale = Assert.Single(run.FindingsOf("stale-connection"));
        var text = string.Join("\n", [stale.GetProperty("title").GetString()!, .. DumpReport.Strings(stale, "evidence"), stale.GetProperty("advice").GetString()!]);
        Assert.Contains("Server idle timeout: 2 s", text, StringComparison.Ordinal);
        Assert.Contains(connectionReset == "false" ? "wait_timeout=2, interactive_timeout=2" : "--server-idle-timeout 2s", text, StringComparison.Ordinal);
        Assert.DoesNotContain(run.Warnings, w => w.Contains("Could not ask", StringComparison.Ordinal));
        Assert.Contains("Connection Idle Timeout=300", text, StringComparison.Ordinal);
        Assert.Contains("Connection Idle Timeout=1", stale.GetProperty("advice").GetString(), StringComparison.Ordinal);
        Assert.Contains("wait_timeout", stale.GetProperty("advice").GetString(), StringComparison.Ordinal);
        // What happened, in each setting: with false the commands failed; with the default the driver swallowed the errors
        // and replaced the sessions, so the finding must not claim failed commands (the scenario saw none).
        var title = stale.GetProperty("title").GetString()!;
        if (connectionReset == "false")
        {
            Assert.False(app.Info.GetProperty("firstFailure").ValueKind == System.Text.Json.JsonValueKind.Null, "the scenario saw no failure");
            Assert.Contains("commands failed because the server had closed the session", title, StringComparison.Ordinal);
            Assert.Equal("error", stale.GetProperty("severity").GetString());
        }
        else
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, app.Info.GetProperty("firstFailure").ValueKind);
            Assert.DoesNotContain("failed because", title, StringComparison.Ordinal);
            Assert.Contains("no command failed", title, StringComparison.Ordinal);
            Assert.Contains("first-chance exception", text, StringComparison.Ordinal);
            Assert.Contains("caught inside the driver (Connection Reset=true", text, StringComparison.Ordinal);
            Assert.Contains("new session", text, StringComparison.Ordinal);
            Assert.Equal("warning", stale.GetProperty("severity").GetString());
        }

        Assert.Empty(run.FindingsOf("connection-churn"));
        Assert.False(app.HasExited, $"the scenario must survive the failures like a service does: {app.Stderr}");
        Assert.DoesNotContain(MariaDbServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);
    }
}
