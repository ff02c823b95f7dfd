using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// <c>dbdoctor dump</c> on a heap dump of each SQLite scenario (no server: runs beside the PostgreSQL collection).
/// An undisposed SQLite reader is collected with its connection, so reader leaks show as leaked connections.
/// </summary>
[Collection("sqlite-dumps")]
public sealed class SqliteDumpTests
{
    [Fact]
    public async Task Transaction_leak_names_each_open_transaction()
    {
        // The smoke test's arguments: one dump serves both.
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2"));

        report.AssertMatchesHandshake();
        Assert.Equal(2, report.CountOf("leaked-transaction", "sqlite"));
        Assert.Equal(2, report.ObjectsOf("leaked-transaction").Count());
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task Reader_leak_shows_as_one_leaked_connection_per_reader()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("sqlite-reader-leak", "--count", "3"));

        report.AssertMatchesHandshake();
        Assert.Equal(3, report.CountOf("leaked-connection", "sqlite"));
        Assert.Equal(3, report.ObjectsOf("leaked-connection").Count());
        Assert.Equal(0, report.CountOf("leaked-reader"));
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task Sprawl_is_one_finding_over_every_tenant_pool()
    {
        var dump = await DumpCache.GetAsync("sqlite-sprawl", "--count", "12");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        var sprawl = Assert.Single(report.FindingsOf("pool-sprawl", "sqlite"));
        Assert.Equal(12, sprawl.GetProperty("count").GetInt32());
        Assert.Equal(12, report.Pools.Count(p => DumpReport.StringOrNull(p, "driver")!.Contains("sqlite", StringComparison.OrdinalIgnoreCase)));
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task Mixed_sqlite_app_yields_each_kind_with_its_own_count()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("sqlite-mixed"));

        report.AssertMatchesHandshake();
        Assert.Equal(2, report.CountOf("leaked-transaction", "sqlite"));
        Assert.Equal(3, report.CountOf("leaked-connection", "sqlite"));
        Assert.Single(report.FindingsOf("pool-sprawl", "sqlite"));
        report.AssertPoolsAreConsistent();
    }

    [Fact]
    public async Task Connections_held_by_an_async_method_an_async_lambda_and_a_stack_frame_are_held_with_their_holders_named()
    {
        var dump = await DumpCache.GetAsync("sqlite-held");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(0, report.Cli.ExitCode);
        Assert.Equal(3, report.CountOf("held-connection", "sqlite"));
        var holders = report.ObjectsOf("held-connection").Select(o => DumpReport.StringOrNull(o, "holder")).ToList();
        Assert.Contains($"async {dump.Info.GetProperty("asyncHolder").GetString()}", holders);
        Assert.Contains(dump.Info.GetProperty("lambdaHolder").GetString(), holders);
        Assert.Contains(holders, h => h is not null && h.EndsWith("." + dump.Info.GetProperty("stackHolder").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_held_connection_shows_what_its_holder_is_doing_now_an_await_chain_or_the_blocked_threads_stack()
    {
        var dump = await DumpCache.GetAsync("sqlite-held");
        var report = await DumpReport.OfAsync(dump);
        string Info(string key) => dump.Info.GetProperty(key).GetString()!;
        var objects = report.ObjectsOf("held-connection").ToList();
        List<string> StackOf(System.Text.Json.JsonElement o) => [.. o.GetProperty("holderStack").EnumerateArray().Select(f => f.GetString()!)];

        // The async holder: what it awaits now, itself, then the caller awaiting it, innermost first.
        var asyncHeld = objects.Single(o => DumpReport.StringOrNull(o, "holder") == "async " + Info("asyncHolder"));
        var chain = StackOf(asyncHeld);
        var own = chain.IndexOf("async " + Info("asyncHolder"));
        Assert.True(own >= 0, "await chain lacks the holder: " + string.Join(" <- ", chain));
        Assert.True(own + 1 < chain.Count && chain[own + 1] == "async " + Info("asyncCaller"), "await chain lacks the caller: " + string.Join(" <- ", chain));
        Assert.Contains("async " + Info("asyncAwaited"), chain.Take(own));

        // The thread holder: its managed stack, blocked in a wait inside the holding method.
        var stackHeld = objects.Single(o => DumpReport.StringOrNull(o, "holder")?.EndsWith("." + Info("stackHolder"), StringComparison.Ordinal) == true);
        var frames = StackOf(stackHeld);
        var holding = frames.FindIndex(f => f.Contains("." + Info("stackHolder") + "(", StringComparison.Ordinal));
        Assert.True(holding > 0, "thread stack lacks the holding method: " + string.Join(" <- ", frames));
        Assert.Contains(frames.Take(holding), f => f.Contains("WaitOne", StringComparison.Ordinal));
    }
}
