using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// What goes wrong around an attach that is nobody's bug: the user presses Ctrl+C while the heap is being
/// snapshotted, the target is killed mid-window. Each ends with its documented exit code and leaves nothing behind.
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AttachFaultTests(PostgresServer server) : IDisposable
{
    // Shared by the target (its diagnostic socket) and dbdoctor (its snapshot folder): what is left here is ours to see.
    private readonly string tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-fault-tmp-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    private Dictionary<string, string> Environment => new() { ["TMPDIR"] = tmp + "/", ["DBDOCTOR_PROGRESS"] = "1" };

    private static string UniqueApplicationName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..30];

    /// <summary>What is in TMPDIR besides the target's own diagnostic socket and debugger pipes (a killed worker's count).</summary>
    private List<string> LeftInTmp(int targetPid) =>
        Directory.EnumerateFileSystemEntries(tmp)
            .Select(p => Path.GetFileName(p))
            .Where(n => !n.StartsWith($"dotnet-diagnostic-{targetPid}-", StringComparison.Ordinal) && !n.StartsWith($"clr-debug-pipe-{targetPid}-", StringComparison.Ordinal))
            .ToList();

    [Theory]
    [InlineData("writing a heap snapshot")] // while the runtime writes the dump (it takes about a second at least)
    [InlineData("analysing...")]            // while the worker analyses it
    public async Task Ctrl_C_during_the_heap_snapshot_exits_130_cancelled_and_removes_the_snapshot(string progressLine)
    {
        using var app = await TestApp.StartAsync("npgsql-healthy",
            ["--pg", server.ConnectionString, "--app-name", UniqueApplicationName("e2e-fault-sigint")], null, Environment);
        using var dbdoctor = WatchedCli.Start(["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "1s", "--format", "json"], Environment);

        await dbdoctor.WaitForLineAsync(progressLine, TimeSpan.FromSeconds(60));
        var kill = await ChildProcess.RunAsync("kill", ["-INT", dbdoctor.Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, kill.Stderr);
        var result = await dbdoctor.WaitForExitAsync(TimeSpan.FromSeconds(40));

        // Progress lines (DBDOCTOR_PROGRESS=1) are indented; what dbdoctor says to the user is not.
        var messages = result.Stderr.Split('\n').Where(line => line.Length > 0 && !line.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.True(messages is ["dbdoctor: cancelled."], result.ToString());
        Assert.Equal("", result.Stdout);

        // dbdoctor exits only after its cleanup: the snapshot folder and the worker's scratch folder are already gone.
        Assert.True(LeftInTmp(app.Pid).Count == 0, "left behind in TMPDIR: " + string.Join(", ", LeftInTmp(app.Pid)));
        Assert.False(app.HasExited, $"the target died: {app.Stderr}");
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("listening")] // the session is up, the driver's counters may not have arrived yet
    [InlineData(" used |")]   // the driver's counters arrived
    public async Task A_target_killed_during_the_window_is_no_verdict_not_healthy(string progressLine)
    {
        using var app = await TestApp.StartAsync("npgsql-healthy",
            ["--pg", server.ConnectionString, "--app-name", UniqueApplicationName("e2e-fault-killed")], null, Environment);
        using var dbdoctor = WatchedCli.Start(["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "20s", "--format", "json"], Environment);

        await dbdoctor.WaitForLineAsync(progressLine, TimeSpan.FromSeconds(60));
        var kill = await ChildProcess.RunAsync("kill", ["-KILL", app.Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, kill.Stderr);
        var run = AttachRun.From(await dbdoctor.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        // Never 0: with no heap read there is no verdict (2), unless the counters of those seconds already showed a
        // problem (3; a short window of a healthy app's warm-up can read as a rising count of used connections).
        Assert.True(run.Cli.ExitCode == (run.Problems.Any() ? 3 : 2), run.Summary());
        Assert.Null(run.Snapshot);
        Assert.Equal($"the target (process {app.Pid}) exited during the observation window, before its heap could be read",
            run.Root.GetProperty("inconclusive").GetString());
        if (!run.Problems.Any())
        {
            Assert.Contains("dbdoctor: no verdict: the target", run.Cli.Stderr, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("internal error", run.Cli.Stderr, StringComparison.Ordinal);
        Assert.True(LeftInTmp(app.Pid).Count == 0, "left behind in TMPDIR: " + string.Join(", ", LeftInTmp(app.Pid)));

        // It stopped at the death, not at the end of the 20 s window.
        Assert.True(run.Cli.Duration < TimeSpan.FromSeconds(20), run.Summary());
    }
}
