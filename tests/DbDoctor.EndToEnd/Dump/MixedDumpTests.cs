using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary><c>dbdoctor dump</c> on the scenario with every failure of both drivers at once.</summary>
[Collection("postgres")]
public sealed class MixedDumpTests(PostgresServer server)
{
    private static readonly string ApplicationName = $"e2e-dump-mixed-{Guid.NewGuid():N}"[..26];

    private async Task<DumpReport> ReportAsync()
    {
        var dump = await DumpCache.GetAsync("mixed", "--pg", server.ConnectionString, "--app-name", ApplicationName);
        return await DumpReport.OfAsync(dump);
    }

    [Fact]
    public async Task Each_kind_is_reported_with_its_own_count_per_driver()
    {
        var report = await ReportAsync();

        report.AssertMatchesHandshake();
        foreach (var driver in new[] { "npgsql", "sqlite" })
        {
            foreach (var expected in report.Dump.Info.GetProperty(driver).EnumerateObject())
            {
                Assert.True(expected.Value.GetInt32() == report.OccurrencesOf(expected.Name, driver),
                    $"{driver} {expected.Name}: expected {expected.Value.GetInt32()}, got {report.OccurrencesOf(expected.Name, driver)}. {report.Summary()}");
            }
        }
    }

    [Fact]
    public async Task Listener_is_held_by_its_static_field_and_leaked_pools_only_by_the_driver()
    {
        var report = await ReportAsync();

        var held = Assert.Single(report.ObjectsOf("held-connection", "npgsql"));
        Assert.Contains("NotificationListener", DumpReport.StringOrNull(held, "holder") ?? "", StringComparison.Ordinal);
        Assert.All(report.ObjectsOf("leaked-transaction", "npgsql").Concat(report.ObjectsOf("leaked-reader")).Concat(report.ObjectsOf("leaked-connection", "npgsql")),
            o => Assert.True(DumpReport.IntOrNull(o, "serverPid") is > 0, o.ToString()));

        report.AssertPoolsAreConsistent();
        var tenantPrefix = report.Dump.Info.GetProperty("tenantApplicationNamePrefix").GetString()!;
        var tenantPools = report.PoolingPools.Where(p => DumpReport.StringOrNull(p, "name")!.Contains(tenantPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tenantPools.Count);
        Assert.All(tenantPools, p => Assert.DoesNotContain("application", DumpReport.Strings(p, "retainedBy")));
    }
}
