using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>The result of a program run to completion.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, TimeSpan Duration);

/// <summary>Runs programs the tests need as real, separate processes.</summary>
public static class ChildProcess
{
    /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH), so children use the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Path of a child program's dll, recorded at build time by the EndToEnd csproj.</summary>
    public static string ProgramPath(string assemblyName)
    {
        var key = "ChildProgram:" + assemblyName;
        var path = typeof(ChildProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == key)?.Value;
        if (path is null)
        {
            throw new InvalidOperationException($"The build did not record where {assemblyName}.dll is: it was built with -p:WithoutDbDoctorCli=true, or the ChildProgram ProjectReferences of DbDoctor.EndToEnd.csproj changed.");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{assemblyName}.dll is not at {path}: build the solution first.");
        }

        return path;
    }

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
            // No context capture: PostgresServer blocks on this from a fixture constructor.
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
