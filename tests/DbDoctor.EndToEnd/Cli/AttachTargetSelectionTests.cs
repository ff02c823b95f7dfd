using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>attach -n NAME</c>, as dotnet-counters users type it: the one .NET process of that name is attached; none, or
/// several, is bad input (exit 2) that says which pids to choose from. Targets and dbdoctor share a private TMPDIR, so
/// only this test's processes are visible (other test apps on the machine carry the same name).
/// </summary>
public sealed class AttachTargetSelectionTests : IDisposable
{
    private const string Name = "DbDoctor.TestApp";
    private readonly string tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-attach-name-").FullName;

    public void Dispose() => Directory.Delete(tmp, recursive: true);

    private Dictionary<string, string> Environment => new() { ["TMPDIR"] = tmp + "/" };

    private Task<TestApp> StartAsync() =>
        TestApp.StartAsync("sqlite-transaction-leak", ["--count", "1"], null, Environment);

    [Fact]
    public async Task The_only_process_of_a_name_is_attached_by_name()
    {
        using var app = await StartAsync();

        var result = await DbDoctorCli.RunAsync(["attach", "-n", Name, "--duration", "1s", "--format", "json"], null, Environment);

        Assert.True(result.ExitCode == 3, result.ToString());
        var run = AttachRun.From(result);
        Assert.Equal(app.Pid, run.Root.GetProperty("target").GetProperty("pid").GetInt32());
        Assert.Equal(1, run.FindingsOf("leaked-transaction").Sum(f => f.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task Two_processes_of_a_name_are_refused_with_both_pids_and_no_name_at_all_is_said_so()
    {
        using var first = await StartAsync();
        using var second = await StartAsync();

        var ambiguous = AttachBadInputTests.AssertRefusedInOneSentence(
            await DbDoctorCli.RunAsync(["attach", "--name", Name, "--format", "json"], null, Environment));
        var unknown = AttachBadInputTests.AssertRefusedInOneSentence(
            await DbDoctorCli.RunAsync(["attach", "-n", "NoSuchService", "--format", "json"], null, Environment));

        var pids = string.Join(", ", new[] { first.Pid, second.Pid }.Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
        Assert.Contains($"2 .NET processes are named '{Name}' (pids {pids}): choose one with -p <pid>", ambiguous, StringComparison.Ordinal);
        Assert.Contains("No attachable .NET process is named 'NoSuchService'", unknown, StringComparison.Ordinal);
        Assert.False(first.HasExited || second.HasExited, "a refused attach must leave the targets alone");
    }
}
