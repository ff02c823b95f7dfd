using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Watch;

/// <summary>
/// <c>dbdoctor watch</c> as a user runs it against real services on a real PostgreSQL. Each test gives the service and
/// dbdoctor a private TMPDIR: its diagnostic socket is the only one dbdoctor can see (other tests' apps stay unwatched),
/// and what a snapshot leaves behind there is ours to see.
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes: reports are private on Unix
public sealed class WatchCliTests(PostgresServer server) : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-watch-tmp-").FullName;
    private readonly string _reports = Path.Combine(Directory.CreateTempSubdirectory("dbdoctor-e2e-watch-").FullName, "reports");

    private Dictionary<string, string> Environment => new() { ["TMPDIR"] = _tmp + "/" };

    private static string UniqueApplicationName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    private Task<TestApp> StartLeakingAsync(string applicationName) =>
        TestApp.StartAsync("npgsql-leak-under-load",
            ["--pg", server.ConnectionString, "--app-name", applicationName, "--max-pool", "10", "--timeout", "2", "--leak-interval-ms", "1000", "--workers", "4"],
            null, Environment);

    private Task<TestApp> StartHealthyAsync(string applicationName) =>
        TestApp.StartAsync("npgsql-healthy", ["--pg", server.ConnectionString, "--app-name", applicationName], null, Environment);

    private string[] Reports(string extension) =>
        Directory.Exists(_reports) ? Directory.GetFiles(_reports, "*." + extension).Order(StringComparer.Ordinal).ToArray() : [];

    /// <summary>What is in TMPDIR besides the runtimes' own sockets and pipes: snapshots must not stay behind.</summary>
    private List<string> LeftInTmp() => Directory.EnumerateFileSystemEntries(_tmp)
        .Select(Path.GetFileName).OfType<string>()
        .Where(e => !e.StartsWith("dotnet-diagnostic-", StringComparison.Ordinal) && !e.StartsWith("clr-debug-pipe-", StringComparison.Ordinal))
        .ToList();

    [Fact]
    public async Task A_pool_leaking_until_exhausted_gets_a_report_within_30_s_naming_the_leak_and_SIGTERM_ends_watch_with_0()
    {
        var applicationName = UniqueApplicationName("e2e-watch-leak");
        using var app = await StartLeakingAsync(applicationName);
        using var watch = WatchProcess.Start([Pid(app.Pid), "--report-dir", _reports], Environment);

        // Defaults only: the pool fills one leak per second and then times out.
        TimeSpan? full = null;
        TimeSpan? reported = null;
        await watch.WaitForAsync(() =>
        {
            full ??= watch.RowsOf(app.Pid, applicationName).Where(r => IsFull(r.Row)).Select(r => (TimeSpan?)r.At).FirstOrDefault();
            reported ??= Reports("json").Length > 0 ? watch.Elapsed : null;
            return full is not null && reported is not null;
        }, TimeSpan.FromSeconds(120));

        Assert.True(full is not null, "the pool never showed used = max. " + watch);
        Assert.True(reported is not null, "no report was written. " + watch);
        Assert.True(reported - full <= TimeSpan.FromSeconds(30), $"full at {full}, report at {reported}. {watch}");

        var json = Assert.Single(Reports("json"));
        var markdown = Assert.Single(Reports("md"));
        Assert.Equal(Path.ChangeExtension(json, ".md"), markdown);
        var page = Assert.Single(Reports("html"));
        Assert.Equal(Path.ChangeExtension(json, ".html"), page);
        Assert.Matches($@"dbdoctor-{app.Pid}-\d{{8}}-\d{{6}}Z\.json$", json);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(json));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(markdown));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(page));

        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = report.RootElement;
        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        var summary = string.Join(", ", findings.Select(f => $"{DumpReport.Kind(f)} x{f.GetProperty("count").GetInt32()}"));
        var leaked = findings.Where(f => DumpReport.Kind(f) == "leaked-transaction").Sum(f => f.GetProperty("count").GetInt32());
        Assert.True(leaked >= 8, $"leaked transactions {leaked}: {summary}");
        Assert.Contains(findings, f => DumpReport.Kind(f) == "pool-exhaustion" && DumpReport.Severity(f) == "error");
        Assert.True(root.GetProperty("snapshot").GetProperty("targetPauseSeconds").GetDouble() > 0);
        var trigger = root.GetProperty("trigger");
        Assert.Contains(trigger.GetProperty("condition").GetString(), new[] { "used>=90%:10s", "timeouts>0", "pending>0:5s", "exhaustion<=10m" });
        Assert.Contains($"Application Name={applicationName}", trigger.GetProperty("pool").GetString(), StringComparison.Ordinal);
        Assert.Contains(root.GetProperty("telemetry").GetProperty("pools").EnumerateArray(),
            p => p.GetProperty("name").GetString()!.Contains(applicationName, StringComparison.Ordinal));
        var markdownText = await File.ReadAllTextAsync(markdown);
        Assert.Contains("Taken by dbdoctor watch", markdownText, StringComparison.Ordinal);
        Assert.Contains("leaked-transaction", markdownText, StringComparison.Ordinal);
        var pageText = await File.ReadAllTextAsync(page);
        Assert.Contains("Taken by dbdoctor watch", pageText, StringComparison.Ordinal);
        Assert.Contains("<svg", pageText, StringComparison.Ordinal);

        // One line says what fired and where the report is; the target keeps running and watch goes on sampling.
        Assert.Contains($"process {app.Pid}: fired ", watch.Stderr, StringComparison.Ordinal);
        Assert.Contains("report " + json, watch.Stderr, StringComparison.Ordinal);
        var samplesAtReport = watch.Samples.Count;
        Assert.True(await watch.WaitForAsync(() => watch.Samples.Count >= samplesAtReport + 2, TimeSpan.FromSeconds(20)), watch.ToString());
        Assert.False(app.HasExited, app.Stderr);

        var exit = await watch.StopAsync("TERM", TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}. {watch}");
        Assert.Empty(watch.BadLines);
        Assert.All(watch.Samples, s => Assert.Equal(app.Pid, s.Sample.GetProperty("pid").GetInt32()));
        Assert.Single(Reports("json")); // the cooldown (5 min by default) held back every later firing
        Assert.Empty(LeftInTmp());
        foreach (var text in new[] { watch.Stderr, string.Join("\n", watch.Samples.Select(s => s.Sample.ToString())), await File.ReadAllTextAsync(json), markdownText })
        {
            Assert.DoesNotContain(PostgresServer.Password, text, StringComparison.Ordinal);
        }

        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Cooldown_and_max_snapshots_bound_the_snapshots_and_Ctrl_C_ends_watch_with_130()
    {
        var applicationName = UniqueApplicationName("e2e-watch-max");
        using var app = await StartLeakingAsync(applicationName);
        using var watch = WatchProcess.Start(
            [Pid(app.Pid), "--report-dir", _reports, "--trigger", "used>=1", "--cooldown", "1s", "--max-snapshots", "2"], Environment);

        Assert.True(await watch.WaitForAsync(() => watch.Stderr.Contains("no more snapshots", StringComparison.Ordinal), TimeSpan.FromSeconds(90)), watch.ToString());
        var samples = watch.Samples.Count;
        await watch.WaitForAsync(() => watch.Samples.Count >= samples + 4, TimeSpan.FromSeconds(20));

        Assert.Equal(2, Reports("json").Length);
        Assert.Equal(2, watch.Samples[^1].Sample.GetProperty("snapshotsTaken").GetInt32());
        var exit = await watch.StopAsync("INT", TimeSpan.FromSeconds(20));
        Assert.True(exit == 130, $"exit {exit}. {watch}");
        Assert.Empty(LeftInTmp());
        Assert.False(app.HasExited, app.Stderr);
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task By_name_it_follows_processes_as_they_start_exit_and_come_back()
    {
        using var watch = WatchProcess.Start(["-n", "DbDoctor.TestApp", "--report-dir", _reports], Environment);
        using (var first = await StartHealthyAsync(UniqueApplicationName("e2e-watch-name")))
        {
            Assert.True(await watch.WaitForAsync(() => watch.Samples.Any(s => s.Sample.GetProperty("pid").GetInt32() == first.Pid), TimeSpan.FromSeconds(60)), watch.ToString());
            Assert.Equal(0, first.Stop(TimeSpan.FromSeconds(10)));
            Assert.True(await watch.WaitForAsync(() => watch.Stderr.Contains($"process {first.Pid}: exited", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), watch.ToString());
        }

        using var second = await StartHealthyAsync(UniqueApplicationName("e2e-watch-name"));
        Assert.True(await watch.WaitForAsync(() => watch.Samples.Any(s => s.Sample.GetProperty("pid").GetInt32() == second.Pid), TimeSpan.FromSeconds(60)), watch.ToString());

        var exit = await watch.StopAsync("TERM", TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}. {watch}");
        Assert.Empty(Reports("json")); // a healthy service fires nothing
        Assert.Empty(watch.BadLines);
        Assert.Equal(0, second.Stop(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task With_all_it_watches_each_process_that_loads_a_driver_as_they_start_exit_and_come_back_and_leaves_others_alone()
    {
        using var watch = WatchProcess.Start(["--all", "--report-dir", _reports], Environment);
        // A .NET service without a database driver, running before and while the others come and go.
        using var plain = await TestApp.StartAsync("no-driver", [], null, Environment);
        var plainAssemblies = plain.Info.GetProperty("loadedAssemblies").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.DoesNotContain(plainAssemblies, a => a is "Npgsql" or "MySqlConnector" or "Microsoft.Data.Sqlite");

        var firstName = UniqueApplicationName("e2e-watch-all");
        using (var first = await StartHealthyAsync(firstName))
        {
            Assert.True(await watch.WaitForAsync(() => watch.Samples.Any(s => s.Sample.GetProperty("pid").GetInt32() == first.Pid), TimeSpan.FromSeconds(60)), watch.ToString());
            Assert.True(await watch.WaitForAsync(() => watch.RowsOf(first.Pid, firstName).Any(), TimeSpan.FromSeconds(30)), watch.ToString());
            Assert.Equal(0, first.Stop(TimeSpan.FromSeconds(10)));
            Assert.True(await watch.WaitForAsync(() => watch.Stderr.Contains($"process {first.Pid}: exited; it will be picked up again", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), watch.ToString());
        }

        using var second = await StartHealthyAsync(UniqueApplicationName("e2e-watch-all"));
        Assert.True(await watch.WaitForAsync(() => watch.Samples.Any(s => s.Sample.GetProperty("pid").GetInt32() == second.Pid), TimeSpan.FromSeconds(60)), watch.ToString());

        // Every scan since the first sample saw the driverless service (it started before both): never watched.
        Assert.False(plain.HasExited, plain.Stderr);
        Assert.DoesNotContain($"process {plain.Pid}:", watch.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(watch.Samples, s => s.Sample.GetProperty("pid").GetInt32() == plain.Pid);
        Assert.DoesNotContain(watch.Samples, s => s.Sample.GetProperty("pid").GetInt32() == watch.Pid);

        var exit = await watch.StopAsync("TERM", TimeSpan.FromSeconds(20));
        Assert.True(exit == 0, $"exit {exit}. {watch}");
        Assert.Empty(watch.BadLines);
        Assert.Empty(Reports("json")); // healthy services fire nothing
        Assert.Empty(LeftInTmp());
        Assert.Equal(0, second.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, plain.Stop(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("TERM", 0)]
    [InlineData("INT", 130)]
    public async Task A_signal_while_a_snapshot_is_being_taken_stops_watch_and_leaves_no_snapshot_behind(string signal, int expectedExit)
    {
        var applicationName = UniqueApplicationName("e2e-watch-sig");
        using var app = await StartLeakingAsync(applicationName);
        using var watch = WatchProcess.Start([Pid(app.Pid), "--report-dir", _reports, "--trigger", "used>=1"], Environment);

        // The snapshot's private folder (dbdoctor-*) exists from before the runtime writes the dump until the analysis ends.
        Assert.True(await watch.WaitForAsync(() => LeftInTmp().Any(e => e.StartsWith("dbdoctor-", StringComparison.Ordinal)), TimeSpan.FromSeconds(90)), watch.ToString());
        var exit = await watch.StopAsync(signal, TimeSpan.FromSeconds(40));

        Assert.True(exit == expectedExit, $"exit {exit}. {watch}");
        Assert.Empty(LeftInTmp());
        Assert.Empty(watch.BadLines);
        // Either the report was complete before the signal was handled, or there is none: never a part of one.
        Assert.Equal(Reports("json").Length, Reports("md").Length);
        Assert.Equal(Reports("json").Length, Reports("html").Length);
        Assert.Empty(Reports("partial")); // each report file is written beside itself, then renamed into place
        Assert.DoesNotContain("   at ", watch.Stderr, StringComparison.Ordinal);
        Assert.False(app.HasExited, app.Stderr);
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("--trigger", "used>=lots", "'lots' in 'used>=lots' is not a number")]
    [InlineData("--trigger", "connections>3", "'connections' is not a measure")]
    [InlineData("--prometheus", "nine", "--prometheus takes [HOST:]PORT")]
    public async Task A_bad_option_is_a_usage_error_that_says_what_is_wrong(string option, string value, string expected)
    {
        var result = await DbDoctorCli.RunAsync(["watch", "1", option, value]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    private static bool IsFull(JsonElement row) =>
        DumpReport.IntOrNull(row, "max") is { } max && DumpReport.IntOrNull(row, "used") >= max;

    public void Dispose()
    {
        Directory.Delete(_tmp, recursive: true);
        Directory.Delete(Path.GetDirectoryName(_reports)!, recursive: true);
    }
}
