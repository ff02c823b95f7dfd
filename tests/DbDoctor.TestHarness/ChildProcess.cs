using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace DbDoctor.TestHarness;

/// <summary>The result of a program run to completion.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration);

/// <summary>Finds and runs the programs the tests and the benchmark need as real, separate processes.</summary>
public static class ChildProcess
{
    /// <summary>The dotnet host running this process (the SDK sets DOTNET_HOST_PATH), so children use the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The repository the harness was built from (for files kept beside the sources, such as the bench's cache).</summary>
    public static string RepositoryRoot => RecordedMetadata(typeof(ChildProcess).Assembly, "RepositoryRoot")
        ?? throw new InvalidOperationException("The build recorded no repository root: ChildPrograms.targets did not run for DbDoctor.TestHarness.");

    /// <summary>Path of a child program's dll (DbDoctor.TestApp, dbdoctor), recorded at build time by DbDoctor.TestHarness.csproj.</summary>
    public static string ProgramPath(string assemblyName) => ProgramPath(assemblyName, typeof(ChildProcess).Assembly);

    /// <summary>
    /// Path of a child program's dll recorded at build time by <paramref name="recordedIn"/>'s project, which marks the
    /// program's ProjectReference ChildProgram="true" and imports ChildPrograms.targets.
    /// </summary>
    public static string ProgramPath(string assemblyName, Assembly recordedIn)
    {
        var path = RecordedMetadata(recordedIn, "ChildProgram:" + assemblyName);
        if (path is null)
        {
            throw new InvalidOperationException($"The build of {recordedIn.GetName().Name} did not record where {assemblyName}.dll is: it was built with -p:WithoutDbDoctorCli=true, or its ChildProgram ProjectReferences changed.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{assemblyName}.dll is not at {path}: build the solution first.");
        }

        return path;
    }

    private static string? RecordedMetadata(Assembly assembly, string key) =>
        assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>Runs a program to completion, killing its process tree after <paramref name="timeout"/> (then <see cref="TimeoutException"/>).</summary>
    /// <param name="environment">Variables to set for the child (e.g. a private TMPDIR), on top of the inherited ones.</param>
    public static async Task<ProcessResult> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? stdin = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var started = Stopwatch.StartNew();
        var info = StartInfo(fileName, arguments);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)
            ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            // No context capture: PostgresServer blocks on this from an xunit fixture constructor.
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s. stderr: {await stderr.ConfigureAwait(false)}");
        }

        return new ProcessResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), started.Elapsed);
    }
}
