using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Matrix;

/// <summary>
/// The SQLite scenario on every Microsoft.Data.Sqlite version family (.NET 10): the handshake's counts, and each pool's
/// idle/busy split read from the driver's own idle stacks (ConcurrentStack up to 8.0, Stack from 9.0), with no knowledge
/// warning. 6.0.0 is the solution's own build; the others are cells of <see cref="TestAppMatrix"/>.
/// </summary>
[Collection("sqlite-dumps")]
public sealed class SqliteMatrixTests
{
    public static TheoryData<string, string?> Versions => new()
    {
        { "6.0.0", null },
        { "8.0.34", "2.1.13" },
        { "9.0.23", "2.1.13" },
        { "10.0.15", "2.1.13" },
        { "11.0.0", "3.0.5" },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Mixed_scenario_counts_and_idle_busy_are_right_on_every_sqlite_family(string sqlite, string? sqlitePcl)
    {
        var dump = sqlitePcl is null
            ? await DumpCache.GetAsync("sqlite-mixed")
            : await DumpCache.GetAsync(new TestAppCell(TestAppCell.CurrentRuntime, Sqlite: sqlite, SqlitePcl: sqlitePcl), "sqlite-mixed");
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        report.AssertPoolsAreConsistent();
        var driver = Assert.Single(report.Root.GetProperty("drivers").EnumerateArray(), d => DumpReport.StringOrNull(d, "name") == "Microsoft.Data.Sqlite");
        Assert.StartsWith(sqlite, DumpReport.StringOrNull(driver, "version"), StringComparison.Ordinal);
        var warnings = DumpReport.Strings(report.Root, "warnings");
        Assert.DoesNotContain(warnings, w => w.Contains("not found on", StringComparison.Ordinal) || w.Contains("verified for", StringComparison.Ordinal));

        // The scenario's pools: six tenants used properly (their connection back in the pool), two files with one leaked
        // transaction each, one file with three leaked readers.
        var pools = report.Pools.Select(p => (Name: DumpReport.StringOrNull(p, "name")!, Idle: DumpReport.IntOrNull(p, "idle"), Busy: DumpReport.IntOrNull(p, "busy"))).ToList();
        var tenants = pools.Where(p => p.Name.Contains("tenant-", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, tenants.Count);
        Assert.All(tenants, p => Assert.True(p.Busy == 0 && p.Idle >= 1, $"tenant pool {p}"));
        var orders = pools.Where(p => p.Name.Contains("orders-", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, orders.Count);
        Assert.All(orders, p => Assert.True(p.Busy == 1, $"orders pool {p}"));
        var catalog = Assert.Single(pools, p => p.Name.EndsWith("catalog.db", StringComparison.Ordinal));
        Assert.True(catalog.Busy == 3, $"catalog pool {catalog}");
    }
}
