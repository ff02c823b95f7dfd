using System.Text.Json;

namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>One run of the dbdoctor CLI.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration)
{
    /// <summary>Stdout as JSON (for <c>--format json</c>); the message shows what was printed when it is not JSON.</summary>
    public JsonDocument ParseStdoutJson()
    {
        try
        {
            return JsonDocument.Parse(Stdout);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException(
                $"dbdoctor stdout is not JSON ({e.Message}). exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}", e);
        }
    }

    /// <summary>Everything the CLI printed, for "never prints the password" checks.</summary>
    public string AllOutput => Stdout + "\n" + Stderr;

    public override string ToString() => $"exit code {ExitCode} after {Duration.TotalSeconds:0.0} s\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the real CLI (src/DbDoctor, dbdoctor.dll) as a separate process, as a user would.</summary>
public static class DbDoctorCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(180);

    public static string DllPath => ChildProcess.ProgramPath("dbdoctor");

    public static async Task<CliResult> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var result = await ChildProcess.RunAsync(ChildProcess.DotnetHost, [DllPath, .. arguments], timeout ?? DefaultTimeout, stdin: null, environment);
        return new CliResult(result.ExitCode, result.Stdout, result.Stderr, result.Duration);
    }

    public static Task<CliResult> RunAsync(params string[] arguments) => RunAsync(arguments, null);
}
