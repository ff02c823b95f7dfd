using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>dbdoctor demo</c>, the README's first command: the shipped sqlite-mixed scenario (testapps/DbDoctor.DemoApp, from
/// dbdoctor's demo/ folder), snapshotted and diagnosed. Its help and progress promise what the report shows, and every
/// snapshot of it gives the same findings.
/// </summary>
public sealed partial class DemoCliTests
{
    /// <summary>What the demo's help and progress promise: finding kind and the sum of its counts; nothing else.</summary>
    private static readonly Dictionary<string, int> Promised = new(StringComparer.Ordinal)
    {
        ["leaked-transaction"] = 2,
        ["leaked-connection"] = 3,
        ["pool-sprawl"] = 10,
    };

    private static string DemoAppDll => Path.Combine(Path.GetDirectoryName(DbDoctorCli.DllPath)!, "demo", "DbDoctor.DemoApp.dll");

    [Fact]
    public async Task Demo_reports_the_sqlite_mixed_leaks_and_how_long_the_snapshot_paused_the_app()
    {
        var result = await DbDoctorCli.RunAsync(["demo", "--format", "json"], environment: new Dictionary<string, string> { ["DBDOCTOR_PROGRESS"] = "1" });

        Assert.True(result.ExitCode == 3, result.ToString());
        using var report = result.ParseStdoutJson();
        var root = report.RootElement;
        Assert.Equal("process", root.GetProperty("target").GetProperty("kind").GetString());
        Assert.Equal(Promised, CountsByKind(root));
        Assert.Single(root.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "pool-sprawl");
        Assert.True(root.GetProperty("snapshot").GetProperty("targetPauseSeconds").GetDouble() > 0, result.ToString());

        // The progress says what the app does, then why its readers are reported as connections.
        Assert.Contains("2 transactions left open, 3 data readers left open, 10 database files", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Why 3 leaked connections and no leaked reader: Microsoft.Data.Sqlite lets the GC collect an undisposed data reader", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_help_promises_the_findings_the_report_shows_in_its_words_and_says_why_readers_are_connections()
    {
        var result = await DbDoctorCli.RunAsync("demo", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        var help = Regex.Replace(result.Stdout, @"\s+", " ");
        Assert.Contains("2 leaked transactions", help, StringComparison.Ordinal);
        Assert.Contains("3 leaked connections (3 data readers left open with their connections: Microsoft.Data.Sqlite lets the GC collect an undisposed data reader", help, StringComparison.Ordinal);
        Assert.Contains("a pool sprawl of 10 pools", help, StringComparison.Ordinal);
        Assert.DoesNotContain("undisposed readers", help, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ten heap snapshots of one demo app, each diagnosed by <c>dbdoctor dump</c>: the demo's snapshot and analysis without
    /// the app's start-up each time. A worker that kept writing after the handshake used to be caught mid-round by about one
    /// snapshot in four (an extra held connection and one more busy).
    /// </summary>
    [Fact]
    public async Task Ten_snapshots_of_the_demo_app_give_the_same_findings_and_pools()
    {
        using var app = await TestApp.StartAsync("sqlite-mixed", [], appDll: DemoAppDll);
        var directory = app.InfoString("directory");
        var dumps = Directory.CreateTempSubdirectory("dbdoctor-e2e-demo-");
        try
        {
            var fingerprints = new List<string>();
            for (var run = 0; run < 10; run++)
            {
                var path = Path.Combine(dumps.FullName, $"demo-{run}.dmp");
                await HeapDumpWriter.WriteAsync(app.Pid, path);
                var result = await DbDoctorCli.RunAsync("dump", path, "--format", "json");
                File.Delete(path);
                Assert.True(result.ExitCode == 3, $"snapshot {run}: {result}");
                using var report = result.ParseStdoutJson();
                Assert.Equal(Promised, CountsByKind(report.RootElement));
                fingerprints.Add(Fingerprint(report.RootElement, directory));
            }

            Assert.All(fingerprints, f => Assert.Equal(fingerprints[0], f));
        }
        finally
        {
            dumps.Delete(recursive: true);
        }
    }

    private static Dictionary<string, int> CountsByKind(JsonElement root) =>
        root.GetProperty("findings").EnumerateArray()
            .GroupBy(f => f.GetProperty("kind").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(f => f.GetProperty("count").GetInt32()), StringComparer.Ordinal);

    /// <summary>Each finding (kind, severity, count, title, evidence) and each pool's counts, without addresses or the temp folder.</summary>
    private static string Fingerprint(JsonElement root, string directory)
    {
        string Clean(string? text) => Address().Replace((text ?? "").Replace(directory, "<dir>", StringComparison.Ordinal), "0x?");
        string Number(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "-";

        var findings = root.GetProperty("findings").EnumerateArray().Select(f => string.Join(" | ",
            f.GetProperty("kind").GetString(), f.GetProperty("severity").GetString(), Number(f, "count"), Clean(f.GetProperty("title").GetString()),
            string.Join(" / ", f.GetProperty("evidence").EnumerateArray().Select(e => Clean(e.GetString())))));
        var pools = root.GetProperty("pools").EnumerateArray().Select(p =>
            $"{Clean(p.GetProperty("name").GetString())}: total {Number(p, "total")} idle {Number(p, "idle")} busy {Number(p, "busy")} orphaned {Number(p, "orphaned")} held {Number(p, "held")}");
        return string.Join('\n', findings.Concat(pools));
    }

    [GeneratedRegex("0x[0-9a-f]+")]
    private static partial Regex Address();
}
