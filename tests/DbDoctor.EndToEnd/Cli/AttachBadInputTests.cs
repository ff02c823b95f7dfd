using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>What a user gets from <c>dbdoctor attach</c> for a target it cannot attach to (exit 2), or a wrong command line (exit 1).</summary>
[Collection("attach-bad-input")]
public sealed class AttachBadInputTests : IDisposable
{
    private readonly Process sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
    private readonly string tmp = Directory.CreateTempSubdirectory("dbdoctor-e2e-attach-bad-").FullName;

    public void Dispose()
    {
        sleeper.Kill();
        sleeper.WaitForExit();
        sleeper.Dispose();
        Directory.Delete(tmp, recursive: true);
    }

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Exit code 2, nothing on stdout, one sentence on stderr and no stack trace.</summary>
    internal static string AssertRefusedInOneSentence(CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(result.Stdout.Length == 0, result.ToString());
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var message = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("dbdoctor: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
        var sentence = message["dbdoctor: ".Length..].TrimEnd('.');
        Assert.True(!sentence.Contains(". ", StringComparison.Ordinal), $"more than one sentence: {message}");
        return message;
    }

    [Fact]
    public async Task A_pid_that_does_not_exist()
    {
        var message = AssertRefusedInOneSentence(await DbDoctorCli.RunAsync("attach", Pid(int.MaxValue - 7), "--format", "json"));
        Assert.Contains("No process", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_is_not_dotnet_is_refused_and_left_running()
    {
        var message = AssertRefusedInOneSentence(await DbDoctorCli.RunAsync("attach", Pid(sleeper.Id), "--format", "json"));
        Assert.Contains("not an attachable .NET process", message, StringComparison.Ordinal);
        Assert.False(sleeper.HasExited);
    }

    /// <summary>
    /// Pid 1 (init: here the VM's, in a container the container's) as root: not .NET, and where the kernel hides its memory
    /// map even from root, the answer says so instead of telling root to become root.
    /// </summary>
    [Fact]
    public async Task Pid_1_as_root_is_not_an_attachable_dotnet_process_and_root_is_not_told_to_become_root()
    {
        Assert.True(Environment.UserName == "root", "run the suite as root (.ci/run does)");

        var message = AssertRefusedInOneSentence(await DbDoctorCli.RunAsync("attach", "1", "--format", "json"));

        Assert.Contains("Process 1 ", message, StringComparison.Ordinal);
        Assert.Contains("not an attachable .NET process", message, StringComparison.Ordinal);
        Assert.DoesNotContain("run dbdoctor as", message, StringComparison.Ordinal);
        Assert.DoesNotContain("No permission", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_diagnostic_socket_that_does_not_answer(bool boundSocket)
    {
        // What a runtime that died (or hung before listening) leaves behind: its socket file, for a pid that is alive.
        var path = Path.Combine(tmp, $"dotnet-diagnostic-{sleeper.Id}-1234-socket");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (boundSocket)
        {
            socket.Bind(new UnixDomainSocketEndPoint(path)); // bound, never listening
        }
        else
        {
            await File.WriteAllTextAsync(path, "");
        }

        var result = await DbDoctorCli.RunAsync(["attach", Pid(sleeper.Id), "--format", "json"], null, new Dictionary<string, string> { ["TMPDIR"] = tmp + "/" });

        var message = AssertRefusedInOneSentence(result);
        Assert.Contains("diagnostic socket", message, StringComparison.Ordinal);
        Assert.True(result.Duration < TimeSpan.FromSeconds(15), $"took {result.Duration}");
    }

    [Theory]
    [InlineData("attach", "abc")]
    [InlineData("attach", "1", "--duration", "xyz")]
    [InlineData("attach", "-5")]
    [InlineData("attach")]
    public async Task Usage_errors_exit_1_with_a_message_and_no_stack_trace(params string[] arguments)
    {
        var result = await DbDoctorCli.RunAsync(arguments);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.Stderr), result.ToString());
        Assert.DoesNotContain("   at ", result.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }
}
