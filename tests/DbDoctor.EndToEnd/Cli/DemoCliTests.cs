using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>dbdoctor demo</c>, the README's first command: the shipped sqlite-mixed scenario, snapshotted and diagnosed.
/// The counts are what that scenario leaks by default (its handshake promises the same numbers).
/// </summary>
public sealed class DemoCliTests
{
    [Fact]
    public async Task Demo_reports_the_sqlite_mixed_leaks_and_how_long_the_snapshot_paused_the_app()
    {
        var result = await DbDoctorCli.RunAsync("demo", "--format", "json");

        Assert.True(result.ExitCode == 3, result.ToString());
        using var report = result.ParseStdoutJson();
        var root = report.RootElement;
        Assert.Equal("process", root.GetProperty("target").GetProperty("kind").GetString());
        Assert.Equal(2, CountOf(root, "leaked-transaction"));
        Assert.Equal(3, CountOf(root, "leaked-connection"));
        Assert.Single(root.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "pool-sprawl");
        Assert.True(root.GetProperty("snapshot").GetProperty("targetPauseSeconds").GetDouble() > 0, result.ToString());
    }

    private static int CountOf(JsonElement root, string kind) =>
        root.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() == kind)
            .Sum(f => f.GetProperty("count").GetInt32());
}
