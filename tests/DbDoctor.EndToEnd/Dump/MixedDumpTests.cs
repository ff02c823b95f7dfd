using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary><c>dbdoctor dump</c> on the scenario with every failure of both drivers at once.</summary>
[Collection("postgres")]
public sealed class MixedDumpTests(PostgresServer server)
{
    private static readonly string ApplicationName = $"e2e-dump-mixed-{Guid.NewGuid():N}"[..26];

    /// <summary>The dump, taken once the server shows the 3 leaked transactions; it observes the app's own sessions (not the tenants').</summary>
    private async Task<DumpReport> ReportAsync()
    {
        var dump = await DumpCache.GetAsync("mixed", async _ =>
        {
            var leaked = await PostgresServer.WaitForAsync(() => server.CountSessions(ApplicationName, "idle in transaction"), 3, TimeSpan.FromSeconds(10));
            Assert.True(leaked == 3, $"the server shows {leaked} idle-in-transaction sessions of {ApplicationName}");
            return (object)server.Sessions(ApplicationName);
        }, "--pg", server.ConnectionString, "--app-name", ApplicationName);
        return await DumpReport.OfAsync(dump);
    }

    private static IEnumerable<int> PidsOf(IEnumerable<ServerSession> sessions) => sessions.Select(s => s.Pid).Order();

    private static IEnumerable<int> ServerPidsOf(DumpReport report, string kind) =>
        report.ObjectsOf(kind, "npgsql").Select(o => DumpReport.IntOrNull(o, "serverPid") ?? 0).Order();

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
    public async Task Objects_name_their_backend_the_listener_its_static_field_and_leaked_pools_only_the_driver()
    {
        var report = await ReportAsync();

        var held = Assert.Single(report.ObjectsOf("held-connection", "npgsql"));
        Assert.Contains("NotificationListener", DumpReport.StringOrNull(held, "holder") ?? "", StringComparison.Ordinal);
        var sessions = report.Dump.ObservedAs<IReadOnlyList<ServerSession>>();
        Assert.Equal(Assert.Single(sessions, s => s.Query.StartsWith("LISTEN", StringComparison.Ordinal)).Pid, DumpReport.IntOrNull(held, "serverPid"));
        Assert.Equal(PidsOf(sessions.Where(s => s.State == "idle in transaction")), ServerPidsOf(report, "leaked-transaction"));
        Assert.Equal(PidsOf(sessions.Where(s => s.Query.StartsWith("SELECT generate_series", StringComparison.Ordinal))), ServerPidsOf(report, "leaked-reader"));
        Assert.Equal(PidsOf(sessions.Where(s => s.Query.StartsWith("SELECT count(*) FROM pg_class", StringComparison.Ordinal))), ServerPidsOf(report, "leaked-connection"));

        report.AssertPoolsAreConsistent();
        var tenantPrefix = report.Dump.Info.GetProperty("tenantApplicationNamePrefix").GetString()!;
        var tenantPools = report.PoolingPools.Where(p => DumpReport.StringOrNull(p, "name")!.Contains(tenantPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, tenantPools.Count);
        Assert.All(tenantPools, p => Assert.DoesNotContain("application", DumpReport.Strings(p, "retainedBy")));
    }

    [Theory]
    [InlineData("console")]
    [InlineData("json")]
    [InlineData("markdown")]
    [InlineData("html")]
    public async Task No_compiler_generated_name_reaches_any_format(string format)
    {
        var report = await ReportAsync();

        var result = await DbDoctorCli.RunAsync("dump", report.Dump.Path, "--format", format);

        Assert.True(result.ExitCode == 3, result.ToString());
        ReadableNamesDumpTests.AssertNoCompilerGeneratedName(format == "html" ? ReadableNamesDumpTests.VisibleText(result.Stdout) : result.Stdout, $"mixed ({format})");
    }
}
