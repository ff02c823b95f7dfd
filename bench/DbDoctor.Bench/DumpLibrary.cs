using System.Security.Cryptography;
using System.Text.Json;
using DbDoctor.TestHarness;

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
/// Heap dumps written by the target runtime itself (HeapDumpWriter: DiagnosticsClient.WriteDump, DumpType.WithHeap), kept under
/// .cache/bench/ of the repository between runs. A dump is rewritten when the test app binary changed since.
/// </summary>
public sealed class DumpLibrary(string directory, Func<string> postgresConnectionString)
{
    public const string Scenario = "mixed";

    /// <summary>Allocating 20M ballast objects takes a while before the handshake; writing their dump too.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan DumpWriteTimeout = TimeSpan.FromMinutes(10);
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
        var connectionString = postgresConnectionString();
        using var app = await TestApp.StartAsync(Scenario, ["--pg", connectionString, "--ballast", ballastObjects.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            HandshakeTimeout).ConfigureAwait(false);
        var seconds = (await HeapDumpWriter.WriteAsync(app.Pid, dumpPath, DumpWriteTimeout).ConfigureAwait(false)).TotalSeconds;
        var metadata = new BenchDumpMetadata(testAppHash.Value, Scenario, ballastObjects, new Dictionary<string, int>(app.Expected), seconds);
        await File.WriteAllTextAsync(metadataPath, JsonSerializer.Serialize(metadata, MetadataFormat)).ConfigureAwait(false);
        return new BenchDump(ballastObjects, dumpPath, new FileInfo(dumpPath).Length, metadata.Expected, seconds, WrittenThisRun: true);
    }

    private static string HashTestApp()
    {
        using var stream = File.OpenRead(TestApp.DllPath);
        return Convert.ToHexString(SHA256.HashData(stream))[..16];
    }
}
