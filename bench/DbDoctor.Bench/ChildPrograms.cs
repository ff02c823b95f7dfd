using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace DbDoctor.Bench;

/// <summary>One finished run of a child program, measured by GNU time.</summary>
public sealed record MeasuredRun(int ExitCode, string Stdout, string Stderr, TimeSpan Wall, long PeakRssBytes);

/// <summary>Finds and runs the programs the benchmark measures (dbdoctor, the baseline walker, the test app).</summary>
public static class ChildPrograms
{
    public const string GnuTime = "/usr/bin/time";

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>Path of a child program's dll, recorded at build time by DbDoctor.Bench.csproj.</summary>
    public static string ProgramPath(string assemblyName)
    {
        var path = Metadata("ChildProgram:" + assemblyName);
        return File.Exists(path) ? path : throw new InvalidOperationException($"{assemblyName}.dll is not at {path}: build bench/DbDoctor.Bench first.");
    }

    private static string Metadata(string key) =>
        typeof(ChildPrograms).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The build recorded no '{key}': DbDoctor.Bench.csproj's RecordChildProgramPaths target did not run.");

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

    /// <summary>
    /// Runs <c>dotnet dll args</c> under GNU time: wall time from a stopwatch around the process, peak resident memory
    /// from GNU time's %M (the kernel's ru_maxrss of the child, exact, no polling).
    /// </summary>
    public static async Task<MeasuredRun> MeasureAsync(string dll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var timeFile = Path.Combine(Path.GetTempPath(), $"dbdoctor-bench-time-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            var result = await RunAsync(GnuTime, ["-f", "%M", "-o", timeFile, DotnetHost, dll, .. arguments], timeout);
            var kilobytes = long.Parse(File.ReadAllLines(timeFile).Last(l => l.Length > 0).Trim(), CultureInfo.InvariantCulture);
            return new MeasuredRun(result.ExitCode, result.Stdout, result.Stderr, result.Wall, kilobytes * 1024);
        }
        finally
        {
            File.Delete(timeFile);
        }
    }

    public static async Task<MeasuredRun> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(StartInfo(fileName, arguments)) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s. stderr: {await stderr.ConfigureAwait(false)}");
        }

        var wall = watch.Elapsed;
        return new MeasuredRun(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), wall, 0);
    }
}
