using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;

namespace DbDoctor.Bench;

/// <summary>A cached heap dump of the mixed scenario with ballast, and what the scenario promised when it was written.</summary>
public sealed record BenchDump(
    long BallastObjects,
    string Path,
    long FileBytes,
    IReadOnlyDictionary<string, int> Expected,
    double WriteSeconds,
    bool WrittenThisRun);

/// <summary>What is stored beside a cached dump.</summary>
public sealed record BenchDumpMetadata(string TestAppHash, string Scenario, long BallastObjects, Dictionary<string, int> Expected, double WriteSeconds);

/// <summary>
/// Heap dumps written by the target runtime itself (DiagnosticsClient.WriteDump, DumpType.WithHeap), kept under
/// .cache/bench/ of the repository between runs. A dump is rewritten when the test app binary changed since.
/// </summary>
public sealed class DumpLibrary(string directory, Func<Task<string>> postgresConnectionString)
{
    public const string Scenario = "mixed";
    private static readonly JsonSerializerOptions MetadataFormat = new() { WriteIndented = true };
    private readonly Lazy<string> testAppHash = new(HashTestApp);

    public async Task<BenchDump> GetAsync(long ballastObjects)
    {
        Directory.CreateDirectory(directory);
        var dumpPath = Path.Combine(directory, $"{Scenario}-ballast-{ballastObjects}.dmp");
        var metadataPath = Path.ChangeExtension(dumpPath, ".json");
        if (File.Exists(dumpPath) && File.Exists(metadataPath)
            && JsonSerializer.Deserialize<BenchDumpMetadata>(await File.ReadAllTextAsync(metadataPath).ConfigureAwait(false)) is { } cached
            && cached.TestAppHash == testAppHash.Value)
        {
            return new BenchDump(ballastObjects, dumpPath, new FileInfo(dumpPath).Length, cached.Expected, cached.WriteSeconds, WrittenThisRun: false);
        }

        File.Delete(dumpPath);
        File.Delete(metadataPath);
        Console.Error.WriteLine($"Writing a heap dump of '{Scenario}' with {ballastObjects:N0} ballast objects…");
        var connectionString = await postgresConnectionString().ConfigureAwait(false);
        using var app = await ScenarioProcess.StartAsync(Scenario, ["--pg", connectionString, "--ballast", ballastObjects.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        var seconds = (await WriteHeapDumpAsync(app.Pid, dumpPath).ConfigureAwait(false)).TotalSeconds;
        var metadata = new BenchDumpMetadata(testAppHash.Value, Scenario, ballastObjects, new Dictionary<string, int>(app.Expected), seconds);
        await File.WriteAllTextAsync(metadataPath, JsonSerializer.Serialize(metadata, MetadataFormat)).ConfigureAwait(false);
        return new BenchDump(ballastObjects, dumpPath, new FileInfo(dumpPath).Length, metadata.Expected, seconds, WrittenThisRun: true);
    }

    /// <summary>The runtime's own dump writer: the target is paused while the file is written, and only then.</summary>
    public static async Task<TimeSpan> WriteHeapDumpAsync(int pid, string path)
    {
        var client = new DiagnosticsClient(pid);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var watch = Stopwatch.StartNew();
        await client.WriteDumpAsync(DumpType.WithHeap, path, logDumpGeneration: false, timeout.Token).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        return File.Exists(path) ? elapsed : throw new InvalidOperationException($"The runtime of process {pid} reported a dump at {path}, but there is no file.");
    }

    private static string HashTestApp()
    {
        using var stream = File.OpenRead(ChildPrograms.ProgramPath("DbDoctor.TestApp"));
        return Convert.ToHexString(SHA256.HashData(stream))[..16];
    }
}
