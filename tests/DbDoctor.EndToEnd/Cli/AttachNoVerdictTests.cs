using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>attach --no-heap</c> on a process whose only driver publishes no pool telemetry (SQLite) could not look at its
/// pools: the headline says so and the exit code is 2 ("no verdict"), not 0, so a CI gate does not pass a leaking app.
/// </summary>
public sealed class AttachNoVerdictTests
{
    [Fact]
    public async Task No_heap_on_a_sqlite_only_process_is_no_verdict_with_exit_2_not_no_problems_found()
    {
        using var app = await TestApp.StartAsync("sqlite-transaction-leak", "--count", "2");
        var pid = app.Pid.ToString(CultureInfo.InvariantCulture);

        var json = await DbDoctorCli.RunAsync("attach", pid, "--no-heap", "--duration", "2s", "--format", "json");
        var console = await DbDoctorCli.RunAsync("attach", pid, "--no-heap", "--duration", "2s");

        Assert.True(json.ExitCode == 2, json.ToString());
        var run = AttachRun.From(json);
        var inconclusive = run.Root.GetProperty("inconclusive").GetString();
        Assert.Equal("Microsoft.Data.Sqlite publishes no pool telemetry and no heap snapshot was taken (--no-heap), so DbDoctor could not see its pools", inconclusive);
        Assert.Contains(run.Warnings, w => w.StartsWith("Attach without --no-heap to judge this target", StringComparison.Ordinal));
        var stderr = Assert.Single(json.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("dbdoctor: no verdict: Microsoft.Data.Sqlite publishes no pool telemetry", stderr, StringComparison.Ordinal);

        Assert.True(console.ExitCode == 2, console.ToString());
        Assert.Contains("No verdict: Microsoft.Data.Sqlite publishes no pool telemetry", console.Stdout.ReplaceLineEndings(" ").Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("No problems found", console.Stdout, StringComparison.Ordinal);
        Assert.False(app.HasExited, $"the target died: {app.Stderr}");
    }
}
