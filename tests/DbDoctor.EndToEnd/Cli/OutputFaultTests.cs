using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// A stdout that cannot take the output (/dev/full: no space left) is an output error, exit 2, in one sentence.
/// The dump report's case is in DumpBadInputTests; this is every other command that writes to stdout.
/// </summary>
public sealed class OutputFaultTests
{
    [Fact]
    public async Task A_process_list_into_a_full_device()
    {
        // The shell only redirects: dbdoctor itself meets the full device on its first write.
        var run = await ChildProcess.RunAsync("sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", ChildProcess.DotnetHost, DbDoctorCli.DllPath, "ps", "--json"],
            DbDoctorCli.DefaultTimeout);
        var result = new CliResult(run.ExitCode, run.Stdout, run.Stderr, run.Duration);
        Assert.True(result.ExitCode == 2, result.ToString());
        var message = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("dbdoctor: Cannot write to standard output", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
