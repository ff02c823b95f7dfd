using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// Root attaching to a target that runs as another user. The target's runtime writes the heap dump itself, as its own
/// user, so dbdoctor lends it the private snapshot folder for the write and takes it back before reading; a target whose
/// socket is in another TMPDIR is named with the folder to use.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CrossUserAttachTests : IDisposable
{
    private const string User = "dbdoctor-e2e";

    // The target's TMPDIR, owned by the target's user as a real one (/tmp, a home folder) is writable by it.
    private readonly string tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-xuser-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    private static readonly SemaphoreSlim UserCreation = new(1, 1);

    /// <summary>Creates the target's user when this machine lacks it (the suite runs as root: PostgreSQL needs that too).</summary>
    private async Task PrepareAsync()
    {
        Assert.True(Environment.UserName == "root", "these tests attach as root to another user's process: run the suite as root (.ci/run does)");
        await UserCreation.WaitAsync();
        try
        {
            if ((await ChildProcess.RunAsync("id", ["-u", User], TimeSpan.FromSeconds(10))).ExitCode != 0)
            {
                var added = await ChildProcess.RunAsync("useradd",
                    ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", User], TimeSpan.FromSeconds(30));
                Assert.True(added.ExitCode == 0, added.Stderr);
            }
        }
        finally
        {
            UserCreation.Release();
        }

        var chown = await ChildProcess.RunAsync("chown", [$"{User}:{User}", tmp], TimeSpan.FromSeconds(10));
        Assert.True(chown.ExitCode == 0, chown.Stderr);
    }

    private Task<TestApp> StartTargetAsync() =>
        TestApp.StartAsync("sqlite-transaction-leak", ["--count", "2", "--sqlite-dir", tmp], null,
            new Dictionary<string, string> { ["TMPDIR"] = tmp + "/", ["HOME"] = tmp }, asUser: User);

    private List<string> LeftInTmp(int targetPid) =>
        Directory.EnumerateFileSystemEntries(tmp)
            .Select(p => Path.GetFileName(p))
            .Where(n => !n.StartsWith($"dotnet-diagnostic-{targetPid}-", StringComparison.Ordinal)
                && !n.StartsWith($"clr-debug-pipe-{targetPid}-", StringComparison.Ordinal)
                && !n.StartsWith("orders-", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public async Task Root_snapshots_the_heap_of_another_users_target_and_leaves_nothing()
    {
        await PrepareAsync();
        using var app = await StartTargetAsync();
        Assert.Equal(User, (await ChildProcess.RunAsync("ps", ["-o", "user=", "-p", app.Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10))).Stdout.Trim());

        var run = await AttachRun.RunAsync(app.Pid, ["--duration", "1s"], new Dictionary<string, string> { ["TMPDIR"] = tmp + "/" });

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        Assert.NotNull(run.Snapshot);
        Assert.Equal(app.ExpectedCount("leaked-transaction"), run.FindingsOf("leaked-transaction").Sum(f => f.GetProperty("count").GetInt32()));
        Assert.DoesNotContain("Permission denied", run.Cli.Stderr, StringComparison.Ordinal);
        Assert.True(LeftInTmp(app.Pid).Count == 0, "left behind in TMPDIR: " + string.Join(", ", LeftInTmp(app.Pid)));
        Assert.False(app.HasExited, $"the target died: {app.Stderr}");
    }

    [Fact]
    public async Task A_target_with_another_TMPDIR_is_named_with_the_folder_to_use()
    {
        await PrepareAsync();
        using var app = await StartTargetAsync();
        var elsewhere = Directory.CreateTempSubdirectory("dbdoctor-e2e-xuser-own-").FullName;
        try
        {
            var result = await DbDoctorCli.RunAsync(["attach", app.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "1s"], null,
                new Dictionary<string, string> { ["TMPDIR"] = elsewhere + "/" });

            Assert.True(result.ExitCode == 2, result.ToString());
            var message = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"run dbdoctor with TMPDIR={tmp}/", message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    /// <summary>
    /// The other way round: dbdoctor run by an ordinary user against root's process is told whose process it is and to
    /// run as root, not just "no permission".
    /// </summary>
    [Fact]
    public async Task A_user_attaching_to_roots_process_is_told_whose_it_is_and_to_run_as_root()
    {
        await PrepareAsync();
        var rootsTmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-xuser-root-").FullName;
        try
        {
            using var app = await TestApp.StartAsync("sqlite-transaction-leak", ["--count", "1"], null, new Dictionary<string, string> { ["TMPDIR"] = rootsTmp + "/" });
            var pid = app.Pid.ToString(CultureInfo.InvariantCulture);

            var result = await ChildProcess.RunAsync(
                "setpriv", ["--reuid", User, "--regid", User, "--init-groups", "--", ChildProcess.DotnetHost, DbDoctorCli.DllPath, "attach", pid, "--duration", "1s"],
                DbDoctorCli.DefaultTimeout, stdin: null, new Dictionary<string, string> { ["TMPDIR"] = tmp + "/", ["HOME"] = tmp });

            Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
            Assert.Equal("", result.Stdout);
            var message = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"Process {pid} (dotnet) runs as user root and dbdoctor as {User}", message, StringComparison.Ordinal);
            Assert.Contains("run dbdoctor as root", message, StringComparison.Ordinal);
            Assert.False(app.HasExited, $"the target died: {app.Stderr}");
        }
        finally
        {
            Directory.Delete(rootsTmp, recursive: true);
        }
    }
}
