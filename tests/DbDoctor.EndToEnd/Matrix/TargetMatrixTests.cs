using System.Text.Json;
using DbDoctor.EndToEnd.Cli;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Matrix;

/// <summary>
/// The mixed scenario (every Npgsql failure plus a leaked SQLite transaction, under load) built as a cell of the target
/// matrix (<see cref="TargetMatrix"/>: .NET 8 and 9 self-contained with their own createdump, .NET 10 framework-dependent),
/// diagnosed by <c>dump</c> and by <c>attach</c>: the handshake's exact counts per driver, the runtime the app itself
/// reported, each driver's version and knowledge family without a knowledge warning, and Npgsql's live pool telemetry.
/// </summary>
[Collection("postgres")]
public sealed class TargetMatrixTests(PostgresServer server)
{
    private static readonly string[] Drivers = ["npgsql", "sqlite"];

    private static string ApplicationName(string prefix, string runtime, string npgsql) =>
        $"{prefix}-{runtime.Replace(".", "", StringComparison.Ordinal)}-{npgsql[..1]}-{Guid.NewGuid():N}"[..30];

    public static TheoryData<string, string, string, string> Cells => TargetMatrix.Cells;

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Dump_of_every_cell_reports_the_handshake_counts_its_runtime_and_verified_driver_families(
        string runtime, string npgsql, string sqlite, string sqlitePcl)
    {
        var cell = TargetMatrix.Cell(runtime, npgsql, sqlite, sqlitePcl);
        var applicationName = ApplicationName("e2e-mx-dump", runtime, npgsql);
        var dump = await DumpCache.GetAsync(cell, "mixed", async _ =>
        {
            var leaked = await PostgresServer.WaitForAsync(() => server.CountSessions(applicationName, "idle in transaction"), 3, TimeSpan.FromSeconds(10));
            Assert.True(leaked == 3, $"the server shows {leaked} idle-in-transaction sessions of {applicationName}");
            return (object)leaked;
        }, "--pg", server.ConnectionString, "--app-name", applicationName);
        var report = await DumpReport.OfAsync(dump);

        Assert.StartsWith(runtime[3..].Split('.')[0] + ".", dump.Runtime, StringComparison.Ordinal);
        Assert.Equal(dump.Runtime, report.Root.GetProperty("target").GetProperty("runtimeVersion").GetString());
        report.AssertMatchesHandshake();
        AssertCountsPerDriver(dump.Info, (kind, driver) => report.OccurrencesOf(kind, driver), report.Summary());
        report.AssertPoolsAreConsistent();
        AssertDriversAndNoKnowledgeWarning(report.Root, npgsql, sqlite, report.Summary());
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Attach_to_every_cell_reports_the_handshake_counts_and_live_npgsql_pool_telemetry(
        string runtime, string npgsql, string sqlite, string sqlitePcl)
    {
        var build = await TestAppMatrix.BuildAsync(TargetMatrix.Cell(runtime, npgsql, sqlite, sqlitePcl));
        var applicationName = ApplicationName("e2e-mx-attach", runtime, npgsql);
        using var app = await TestApp.StartAsync("mixed", ["--pg", server.ConnectionString, "--app-name", applicationName], build: build);

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "5s"]);

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        Assert.Equal(app.Runtime, run.Root.GetProperty("target").GetProperty("runtimeVersion").GetString());
        foreach (var (kind, expected) in app.Expected)
        {
            Assert.True(expected == Occurrences(run, kind, null), $"{kind}: expected {expected}, got {Occurrences(run, kind, null)}. {run.Summary()}");
        }

        var unexpected = run.Problems.Select(DumpReport.Kind).Where(k => !app.Expected.ContainsKey(k)).ToList();
        Assert.True(unexpected.Count == 0, $"unexpected problem findings {string.Join(", ", unexpected)}. {run.Summary()}");
        AssertCountsPerDriver(app.Info, (kind, driver) => Occurrences(run, kind, driver), run.Summary());
        AssertDriversAndNoKnowledgeWarning(run.Root, npgsql, sqlite, run.Summary());

        // Npgsql publishes pool metrics on every family: the scenario's main pool has live used/idle/max samples.
        var samples = run.SeriesOf(applicationName).GetProperty("samples").EnumerateArray().ToList();
        Assert.True(samples.Count >= 2, run.Summary());
        Assert.Contains(samples, s => DumpReport.IntOrNull(s, "used") > 0 && DumpReport.IntOrNull(s, "max") == DumpReport.IntOrNull(run.HeapPoolOf(applicationName), "max"));
        Assert.DoesNotContain(run.Warnings, w => w.Contains("No connection-pool telemetry", StringComparison.Ordinal));
        Assert.False(app.HasExited, $"the target died: {app.Stderr}");
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    private static int Occurrences(AttachRun run, string kind, string? driver) =>
        run.FindingsOf(kind)
            .Where(f => driver is null || f.GetProperty("driver").GetString()!.Contains(driver, StringComparison.OrdinalIgnoreCase))
            .Sum(f => f.GetProperty("count").GetInt32());

    /// <summary>The scenario's count per kind for each driver (its handshake's info.npgsql / info.sqlite).</summary>
    private static void AssertCountsPerDriver(JsonElement info, Func<string, string, int> occurrences, string summary)
    {
        foreach (var driver in Drivers)
        {
            foreach (var expected in info.GetProperty(driver).EnumerateObject())
            {
                var got = occurrences(expected.Name, driver);
                Assert.True(expected.Value.GetInt32() == got, $"{driver} {expected.Name}: expected {expected.Value.GetInt32()}, got {got}. {summary}");
            }
        }
    }

    /// <summary>"8.0–9.0" (or "10.0") covers "9.0.5".</summary>
    private static bool FamilyCovers(string? family, string version)
    {
        if (family is null)
        {
            return false;
        }

        var bounds = family.Split('–').Select(Version.Parse).ToList();
        var v = Version.Parse(version);
        var majorMinor = new Version(v.Major, v.Minor);
        return majorMinor >= bounds[0] && majorMinor <= bounds[^1];
    }

    /// <summary>Each driver's version is the cell's, and nothing says the knowledge was not verified or a field was missing.</summary>
    private static void AssertDriversAndNoKnowledgeWarning(JsonElement root, string npgsql, string sqlite, string summary)
    {
        var drivers = root.GetProperty("drivers").EnumerateArray().ToList();
        foreach (var (name, version) in new[] { ("Npgsql", npgsql), ("Microsoft.Data.Sqlite", sqlite) })
        {
            var driver = Assert.Single(drivers, d => DumpReport.StringOrNull(d, "name") == name);
            Assert.True((DumpReport.StringOrNull(driver, "version") ?? "").StartsWith(version, StringComparison.Ordinal), $"{driver}. {summary}");
            Assert.True(FamilyCovers(DumpReport.StringOrNull(driver, "family"), version), $"family of {driver}");
            Assert.True(driver.TryGetProperty("verified", out var verified) && verified.ValueKind == JsonValueKind.True, $"not verified: {driver}");
        }

        var warnings = DumpReport.Strings(root, "warnings");
        Assert.True(!warnings.Any(w => w.Contains("not found on", StringComparison.Ordinal) || w.Contains("verified for", StringComparison.Ordinal)),
            $"knowledge warnings: {string.Join(" | ", warnings)}");
    }
}
