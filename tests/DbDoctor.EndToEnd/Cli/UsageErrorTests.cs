using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// A usage error is two lines on stderr (what is wrong, where the help is), exit 1, and nothing on stdout: a report
/// redirected to a file never receives help text. Every command's help lists the exit codes.
/// </summary>
public sealed class UsageErrorTests
{
    [Theory]
    [InlineData("dbdoctor demo --help", "Argument 'jsn' not recognized", "demo", "-f", "jsn")]
    [InlineData("dbdoctor attach --help", "'abc' is not a process id", "attach", "abc")]
    [InlineData("dbdoctor attach --help", "pid must be a positive process id", "attach", "-5")]
    [InlineData("dbdoctor attach --help", "'xyz' is not a process id", "attach", "-p", "xyz")]
    [InlineData("dbdoctor attach --help", "--process-id must be a positive process id", "attach", "--process-id", "0")]
    [InlineData("dbdoctor attach --help", "attach needs exactly one of: a pid, --process-id or --name", "attach", "12", "-n", "MyService")]
    [InlineData("dbdoctor attach --help", "attach needs exactly one of: a pid, --process-id or --name", "attach", "-p", "12", "12")]
    [InlineData("dbdoctor attach --help", "attach needs exactly one of: a pid, --process-id or --name", "attach", "--duration", "1s")]
    [InlineData("dbdoctor attach --help", "--name needs a process name", "attach", "-n", " ")]
    [InlineData("dbdoctor watch --help", "'abc' is not a process id", "watch", "abc")]
    [InlineData("dbdoctor watch --help", "'xyz' is not a process id", "watch", "-p", "xyz")]
    [InlineData("dbdoctor dump --help", "Required argument 'dump-file' missing", "dump")]
    [InlineData("dbdoctor --help", "Unrecognized command or argument 'bogus'", "bogus")]
    [InlineData("dbdoctor ps --help", "Unrecognized command or argument '--nope'", "ps", "--nope")]
    [InlineData("dbdoctor ps --help", "Argument 'xml' not recognized", "ps", "--format", "xml")]
    [InlineData("dbdoctor ps --help", "--json means --format json", "ps", "--json", "-f", "table")]
    public async Task A_usage_error_is_two_lines_on_stderr_exit_1_and_nothing_on_stdout(string help, string what, params string[] arguments)
    {
        var result = await DbDoctorCli.RunAsync(arguments);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("", result.Stdout);
        var lines = result.Stderr.TrimEnd().Split('\n');
        Assert.True(lines.Length == 2, result.ToString());
        Assert.StartsWith("dbdoctor: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(what, lines[0], StringComparison.Ordinal);
        Assert.Equal($"Run '{help}' for usage.", lines[1]);
    }

    [Theory]
    [InlineData("attach")]
    [InlineData("dump")]
    [InlineData("ps")]
    [InlineData("watch")]
    public async Task Help_lists_the_exit_codes_and_succeeds_even_without_the_required_argument(string command)
    {
        var result = await DbDoctorCli.RunAsync([command, "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        var exitCodes = result.Stdout[result.Stdout.IndexOf("Exit codes:", StringComparison.Ordinal)..];
        foreach (var code in new[] { "0 ", "1 ", "2 ", "3 ", "4 ", "130 " })
        {
            Assert.Contains("\n  " + code, exitCodes, StringComparison.Ordinal);
        }
    }
}
