using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.GroundTruth;

/// <summary>
/// Proves, from PostgreSQL's own view (pg_stat_activity) and independently of dbdoctor, that each Npgsql scenario of the
/// test app really reproduces its failure. Each test uses its own application name, so the counts cannot mix.
/// </summary>
[Collection("postgres")]
public sealed class NpgsqlScenarioGroundTruthTests(PostgresServer server)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    private static string UniqueApplicationName(string scenario) => $"e2e-{scenario}-{Guid.NewGuid():N}"[..30];

    private Task<TestApp> StartAsync(string scenario, string applicationName, params string[] arguments) =>
        TestApp.StartAsync(scenario, ["--pg", server.ConnectionString, "--app-name", applicationName, .. arguments]);

    [Fact]
    public async Task Transaction_leak_leaves_one_idle_in_transaction_session_per_leak()
    {
        var name = UniqueApplicationName("tx");
        using var app = await StartAsync("npgsql-transaction-leak", name, "--count", "5");

        Assert.Equal(5, app.ExpectedCount("leaked-transaction"));
        Assert.Equal(name, app.InfoString("applicationName"));
        Assert.Equal(5, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 5, Settle));
        Assert.Equal(5, server.CountSessions(name));
        Assert.Equal(5, server.CountSessionsWithQuery(name, "INSERT INTO dbdoctor_items"));
    }

    [Fact]
    public async Task Transaction_leak_sessions_end_when_the_app_exits()
    {
        var name = UniqueApplicationName("txexit");
        var app = await StartAsync("npgsql-transaction-leak", name, "--count", "2");
        Assert.Equal(2, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 2, Settle));

        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
        app.Dispose();

        Assert.Equal(0, await PostgresServer.WaitForAsync(() => server.CountSessions(name), 0, Settle));
        Assert.Equal("", app.ExtraStdout);
    }

    [Fact]
    public async Task Reader_leak_keeps_one_session_per_leaked_reader()
    {
        var name = UniqueApplicationName("reader");
        using var app = await StartAsync("npgsql-reader-leak", name, "--count", "4");

        Assert.Equal(4, app.ExpectedCount("leaked-reader"));
        Assert.Equal(4, await PostgresServer.WaitForAsync(() => server.CountSessions(name), 4, Settle));
        Assert.Equal(4, server.CountSessionsWithQuery(name, "SELECT generate_series(1, 10000)"));
        Assert.Equal(0, server.CountSessions(name, "idle in transaction"));
    }

    [Fact]
    public async Task Connection_leak_keeps_one_idle_session_per_leaked_connection()
    {
        var name = UniqueApplicationName("conn");
        using var app = await StartAsync("npgsql-connection-leak", name, "--count", "6");

        Assert.Equal(6, app.ExpectedCount("leaked-connection"));
        Assert.Equal(6, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle"), 6, Settle));
        Assert.Equal(6, server.CountSessions(name));
    }

    [Theory]
    [InlineData("distinct")]
    [InlineData("identical")]
    public async Task Pool_leak_keeps_an_idle_session_for_every_dropped_data_source(string mode)
    {
        var name = UniqueApplicationName("pool" + mode[0]);
        using var app = await StartAsync("npgsql-pool-leak", name, "--count", "4", "--mode", mode);

        Assert.Equal(4, app.ExpectedCount("leaked-pool"));
        Assert.Equal(mode == "distinct" ? 4 : 1, int.Parse(app.InfoString("distinctTenantApplicationNames"), System.Globalization.CultureInfo.InvariantCulture));
        var tenants = app.InfoString("tenantApplicationNamePrefix") + "%";
        Assert.Equal(4, await PostgresServer.WaitForAsync(() => server.CountSessions(tenants, "idle"), 4, Settle));

        // The properly held data source keeps its own idle connection: one session under the plain name.
        Assert.Equal(1, server.CountSessions(name, "idle"));
    }

    [Fact]
    public async Task Healthy_app_holds_exactly_one_listening_connection_and_leaks_nothing()
    {
        var name = UniqueApplicationName("healthy");
        using var app = await StartAsync("npgsql-healthy", name, "--workers", "3");

        Assert.Equal(1, app.ExpectedCount("held-connection"));
        Assert.Equal(0, app.ExpectedCount("leaked-transaction") + app.ExpectedCount("leaked-connection"));
        Assert.Equal(1, server.CountSessionsWithQuery(name, "LISTEN dbdoctor_channel"));

        // Sample for a while: the workers never begin a transaction and give every connection back, so the pool stays
        // at most one connection per worker plus the listener.
        for (var sample = 0; sample < 10; sample++)
        {
            Assert.Equal(0, server.CountSessions(name, "idle in transaction"));
            Assert.InRange(server.CountSessions(name), 1, 4);
            await Task.Delay(100);
        }

        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task Leak_under_load_handshakes_early_then_leaks_one_transaction_per_interval()
    {
        var name = UniqueApplicationName("load");
        using var app = await StartAsync("npgsql-leak-under-load", name,
            "--max-pool", "6", "--timeout", "1", "--leak-interval-ms", "300", "--workers", "2");

        Assert.Equal(300, int.Parse(app.InfoString("leakIntervalMs"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(server.CountSessions(name, "idle in transaction") < 6, "the handshake must come before the pool is exhausted");

        // 6 leaks at 300 ms fill the pool in ~2 s; the pool then stays exhausted (no session beyond its maximum).
        Assert.Equal(6, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 6, TimeSpan.FromSeconds(15)));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!app.Stderr.Contains("exhausted", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains("The connection pool has been exhausted", app.Stderr, StringComparison.Ordinal);
        Assert.Equal(6, server.CountSessions(name));
        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task Mixed_scenario_reproduces_every_npgsql_failure_and_locks_a_sqlite_file()
    {
        var name = UniqueApplicationName("mixed");
        using var app = await StartAsync("mixed", name);

        Assert.Equal(4, app.ExpectedCount("leaked-transaction"));
        Assert.Equal(2, app.ExpectedCount("leaked-reader"));
        Assert.Equal(4, app.ExpectedCount("leaked-connection"));
        Assert.Equal(2, app.ExpectedCount("leaked-pool"));
        Assert.Equal(3, await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 3, Settle));
        Assert.Equal(2, server.CountSessionsWithQuery(name, "SELECT generate_series(1, 10000)"));
        Assert.Equal(4, server.CountSessionsWithQuery(name, "SELECT count(*) FROM pg_class"));
        Assert.Equal(1, server.CountSessionsWithQuery(name, "LISTEN dbdoctor_channel"));
        Assert.Equal(2, server.CountSessions(app.InfoString("tenantApplicationNamePrefix") + "-%", "idle"));
        Assert.Contains("database is locked", app.Info.GetProperty("lockProbe").GetProperty("result").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Npgsql_scenario_without_a_reachable_server_exits_with_code_2()
    {
        var unreachable = $"Host=127.0.0.1;Port={server.Port + 1};Username=nobody;Password=x;Timeout=2";
        var result = await ChildProcess.RunAsync(ChildProcess.DotnetHost,
            [TestApp.DllPath, "npgsql-connection-leak", "--pg", unreachable], TimeSpan.FromSeconds(30));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Stdout);
        Assert.Contains("PostgreSQL is not usable", result.Stderr, StringComparison.Ordinal);
    }
}
