using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.GroundTruth;

/// <summary>The fixture's own promises, for the tests that need a second server with other settings.</summary>
public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_second_server_applies_extra_settings_and_closes_idle_sessions()
    {
        using var server = PostgresServer.Start(new Dictionary<string, string> { ["idle_session_timeout"] = "1s" });

        Assert.Equal("1s", server.Scalar<string>("SHOW idle_session_timeout"));
        Assert.Equal("127.0.0.1", server.Scalar<string>("SHOW listen_addresses"));
        Assert.Equal("scram-sha-256", server.Scalar<string>("SHOW password_encryption"));

        // The setting really acts: the server ends an idle application session on its own.
        var name = $"e2e-idle-{Guid.NewGuid():N}"[..24];
        using var app = await TestApp.StartAsync("npgsql-connection-leak", "--pg", server.ConnectionString, "--app-name", name, "--count", "2");
        Assert.Equal(0, await PostgresServer.WaitForAsync(() => server.CountSessions(name), 0, TimeSpan.FromSeconds(10)));
    }
}
