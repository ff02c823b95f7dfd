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
    public async Task Connections_held_by_an_async_method_and_a_stack_frame_are_held_with_their_holders_named()
    {
        var dump = await DumpCache.GetAsync("sqlite-held");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(0, report.Cli.ExitCode);
        Assert.Equal(2, report.CountOf("held-connection", "sqlite"));
        var holders = report.ObjectsOf("held-connection").Select(o => DumpReport.StringOrNull(o, "holder")).ToList();
        Assert.Contains($"async {dump.Info.GetProperty("asyncHolder").GetString()}", holders);
        Assert.Contains(holders, h => h is not null && h.EndsWith("." + dump.Info.GetProperty("stackHolder").GetString(), StringComparison.Ordinal));
    }
}
