using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>dbdoctor attach</c> as a user runs it, against real services on a real PostgreSQL: a service leaking one transaction
/// per second into a 10-connection pool, and a healthy one. pg_stat_activity is the independent count.
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes: dumps are private on Unix
public sealed class AttachCliTests(PostgresServer server)
{
    private static string UniqueApplicationName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    private Task<TestApp> StartLeakUnderLoadAsync(string applicationName, IReadOnlyDictionary<string, string>? environment = null) =>
        TestApp.StartAsync("npgsql-leak-under-load",
            ["--pg", server.ConnectionString, "--app-name", applicationName, "--max-pool", "10", "--timeout", "2", "--leak-interval-ms", "1000", "--workers", "4"],
            null, environment);

    /// <summary>The target was never left suspended: it still reads its stdin, and leaves cleanly when told to.</summary>
    private static void AssertStillRunningAndExitsCleanly(TestApp app)
    {
        Assert.False(app.HasExited, $"the target died: {app.Stderr}");
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Leak_under_load_names_the_leaked_transactions_their_rate_and_the_exhausted_pool()
    {
        var applicationName = UniqueApplicationName("e2e-attach-leak");
        using var app = await StartLeakUnderLoadAsync(applicationName);

        // Attach at once: the window sees the pool climb one leak per second, fill at 10, then requests time out.
        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "14s"]);
        var serverLeaks = server.CountSessions(applicationName, "idle in transaction");

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        Assert.DoesNotContain(PostgresServer.Password, run.Cli.AllOutput, StringComparison.Ordinal);

        // The heap: every connection of the pool orphaned inside an open transaction, as the server sees them.
        var pool = run.HeapPoolOf(applicationName);
        var orphaned = pool.GetProperty("orphaned").GetInt32();
        Assert.Equal(10, DumpReport.IntOrNull(pool, "max"));
        Assert.True(orphaned >= 8, $"orphaned {orphaned}. {run.Summary()}");
        Assert.InRange(serverLeaks, orphaned - 1, orphaned + 1); // one leak per second may land between snapshot and query
        var leaks = run.FindingsOf("leaked-transaction").Concat(run.FindingsOf("leaked-connection")).ToList();
        Assert.True(leaks.Sum(f => f.GetProperty("count").GetInt32()) == orphaned, run.Summary());
        Assert.All(leaks, f => Assert.Equal("error", DumpReport.Severity(f)));

        // The rate: one leak per second is 60 per minute.
        var rate = leaks.Select(AttachRun.LeakRatePerMinute).FirstOrDefault(r => r is not null);
        Assert.True(rate is >= 40 and <= 80, $"leak rate {rate}. {run.Summary()}");

        // The exhaustion, from the heap and the counters together.
        var exhaustion = Assert.Single(run.FindingsOf("pool-exhaustion"));
        Assert.Equal("error", DumpReport.Severity(exhaustion));
        var evidence = string.Join("\n", DumpReport.Strings(exhaustion, "evidence"));
        Assert.Contains("used peaked at 10 of max 10", evidence, StringComparison.Ordinal);
        Assert.Contains("requests waiting for a connection", evidence, StringComparison.Ordinal);
        Assert.Contains("timeouts waiting for a connection", evidence, StringComparison.Ordinal);
        Assert.Contains("'pool exhausted' exception", evidence, StringComparison.Ordinal);

        // The live series behind it: used climbs to 10 of 10 with nothing idle, requests queue and time out.
        var samples = run.SeriesOf(applicationName).GetProperty("samples").EnumerateArray().ToList();
        Assert.InRange(samples.Count, 9, 18);
        var used = samples.Select(s => DumpReport.IntOrNull(s, "used")).OfType<int>().ToList();
        Assert.True(used[^1] > used[0], $"used should climb: {string.Join(",", used)}");
        var last = samples[^1];
        Assert.Equal((10, 10, 0), (DumpReport.IntOrNull(last, "max"), DumpReport.IntOrNull(last, "used"), DumpReport.IntOrNull(last, "idle")));
        Assert.Contains(samples, s => DumpReport.IntOrNull(s, "pendingRequests") > 0);
        var timeouts = DumpReport.IntOrNull(last, "timeouts") ?? 0;
        Assert.True(timeouts >= 2, $"timeouts {timeouts}");

        // Each timeout is one exhaustion failure, thrown several times on its way up the async chain: counted once.
        var exhausted = Assert.Single(run.Telemetry.GetProperty("exceptions").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "Npgsql.NpgsqlException" && e.GetProperty("message").GetString()!.Contains("exhausted", StringComparison.Ordinal));
        var (count, events) = (exhausted.GetProperty("count").GetInt32(), exhausted.GetProperty("events").GetInt32());
        Assert.True(events > count, $"rethrows collapsed: {count} of {events}");
        Assert.InRange(count, timeouts - 4, timeouts + 4);
        Assert.True(run.Telemetry.GetProperty("runtimeCounters").TryGetProperty("cpu-usage", out _));

        // The report says how long the target was paused, and kept no dump.
        var snapshot = run.Snapshot ?? throw new InvalidOperationException("no snapshot section. " + run.Summary());
        Assert.True(snapshot.GetProperty("targetPauseSeconds").GetDouble() > 0, snapshot.ToString());
        Assert.Equal(JsonValueKind.Null, snapshot.GetProperty("dumpPath").ValueKind);
        AssertStillRunningAndExitsCleanly(app);
    }

    [Fact]
    public async Task No_heap_reports_from_telemetry_alone_without_pausing_the_target()
    {
        var applicationName = UniqueApplicationName("e2e-attach-noheap");
        using var app = await StartLeakUnderLoadAsync(applicationName);

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "6s", "--no-heap"]);

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        Assert.Null(run.Snapshot); // no snapshot taken, so no pause to report
        Assert.Empty(run.HeapPools);
        Assert.Contains(run.Warnings, w => w.Contains("--no-heap", StringComparison.Ordinal));
        var leak = Assert.Single(run.FindingsOf("leaked-connection"));
        Assert.Equal("warning", DumpReport.Severity(leak));
        Assert.Empty(leak.GetProperty("objects").EnumerateArray()); // nothing named from a heap
        Assert.True(AttachRun.LeakRatePerMinute(leak) > 0, run.Summary());
        Assert.NotEmpty(run.SeriesOf(applicationName).GetProperty("samples").EnumerateArray());
        AssertStillRunningAndExitsCleanly(app);
    }

    [Fact]
    public async Task Healthy_service_under_load_has_no_problem_and_leaves_no_dump_unless_asked()
    {
        // A private TMPDIR shared by the service (its diagnostic socket) and dbdoctor (its snapshot): what is left there is ours to see.
        var tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-attach-tmp-").FullName;
        var environment = new Dictionary<string, string> { ["TMPDIR"] = tmp + "/" };
        var keep = Path.Combine(Directory.CreateTempSubdirectory("dbdoctor-e2e-keep-").FullName, "kept.dmp");
        try
        {
            var applicationName = UniqueApplicationName("e2e-attach-healthy");
            using var app = await TestApp.StartAsync("npgsql-healthy",
                ["--pg", server.ConnectionString, "--app-name", applicationName], null, environment);

            var run = await AttachRun.RunAsync(app.Pid, ["--duration", "3s"], environment);

            Assert.True(run.Cli.ExitCode == 0, run.Summary());
            Assert.Empty(run.Problems);
            Assert.True(run.Snapshot?.GetProperty("targetPauseSeconds").GetDouble() > 0, run.Summary());
            Assert.NotEmpty(run.SeriesOf(applicationName).GetProperty("samples").EnumerateArray());
            Assert.Equal(0, run.HeapPoolOf(applicationName).GetProperty("orphaned").GetInt32());
            var leftOver = Directory.EnumerateFileSystemEntries(tmp)
                .Where(e => !Path.GetFileName(e).StartsWith("dotnet-diagnostic-", StringComparison.Ordinal)
                    && !Path.GetFileName(e).StartsWith("clr-debug-pipe-", StringComparison.Ordinal))
                .ToList();
            Assert.True(leftOver.Count == 0, "left behind in TMPDIR: " + string.Join(", ", leftOver));

            // Attached a second time, the same service can keep its snapshot (the human report says where, and how long
            // the service was paused), and `dump` reads it.
            var kept = await DbDoctorCli.RunAsync(
                ["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "1s", "--keep-dump", keep, "--format", "markdown"], null, environment);
            Assert.True(kept.ExitCode == 0, kept.ToString());
            Assert.Matches(@"the target was paused [0-9]+\.[0-9]{2} s while it was written; kept at " + Regex.Escape(keep), kept.Stdout);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keep));
            AssertStillRunningAndExitsCleanly(app);

            var dump = await DbDoctorCli.RunAsync("dump", keep, "--format", "json");
            Assert.True(dump.ExitCode == 0, dump.ToString());
            using var report = dump.ParseStdoutJson();
            Assert.Contains(report.RootElement.GetProperty("pools").EnumerateArray(),
                p => (p.GetProperty("name").GetString() + ";").Contains($"Application Name={applicationName};", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
            Directory.Delete(Path.GetDirectoryName(keep)!, recursive: true);
        }
    }

    [Fact]
    public async Task Stopping_dbdoctor_during_the_window_exits_130_and_leaves_the_target_running()
    {
        using var app = await TestApp.StartAsync("npgsql-healthy", "--pg", server.ConnectionString, "--app-name", UniqueApplicationName("e2e-attach-cancel"));
        using var dbdoctor = Process.Start(ChildProcess.StartInfo(ChildProcess.DotnetHost,
            [DbDoctorCli.DllPath, "attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "60s", "--format", "json"]))!;
        var stdout = dbdoctor.StandardOutput.ReadToEndAsync();
        var stderr = dbdoctor.StandardError.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));

        // SIGTERM, as a service manager or a closed terminal sends it (a shell's background jobs may ignore SIGINT).
        var kill = await ChildProcess.RunAsync("kill", ["-TERM", dbdoctor.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, kill.Stderr);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await dbdoctor.WaitForExitAsync(deadline.Token);

        Assert.True(dbdoctor.ExitCode == 130, $"exit {dbdoctor.ExitCode}: {await stderr}");
        Assert.Equal("", await stdout);
        Assert.Contains("cancelled", await stderr, StringComparison.Ordinal);
        AssertStillRunningAndExitsCleanly(app);
    }

    [Fact]
    public async Task A_target_that_exits_during_the_window_ends_the_run_with_what_was_collected()
    {
        var applicationName = UniqueApplicationName("e2e-attach-exit");
        using var app = await StartLeakUnderLoadAsync(applicationName);

        var attaching = AttachRun.RunAsync(app.Pid, ["--duration", "30s"]);
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
        var run = await attaching.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(run.Cli.Duration < TimeSpan.FromSeconds(20), run.Summary());
        Assert.Contains("exited", run.Cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", run.Cli.Stderr, StringComparison.Ordinal);
        Assert.Contains(run.Warnings, w => w.Contains("exited during the telemetry window", StringComparison.Ordinal));
        Assert.Null(run.Snapshot);
        Assert.DoesNotContain("--no-heap", run.Cli.Stdout, StringComparison.Ordinal); // the report blames the exit, not an option never given
        Assert.True(run.Telemetry.GetProperty("windowSeconds").GetDouble() < 15, run.Summary());
        Assert.NotEmpty(run.SeriesOf(applicationName).GetProperty("samples").EnumerateArray());
        // No heap could be read: a leak the counters showed is still reported (3), else there is no verdict (2), never "healthy".
        Assert.True(run.Cli.ExitCode == (run.Problems.Any() ? 3 : 2), run.Summary());
    }
}
