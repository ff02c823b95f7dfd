using System.Security.Cryptography;
using System.Text.Json;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

/// <summary>A cached heap dump of the mixed scenario with ballast, and what the scenario promised when it was written.</summary>
public sealed record BenchDump(
    long BallastObjects,
    string Shape,
    string Path,
    long FileBytes,
    IReadOnlyDictionary<string, int> Expected,
    double WriteSeconds,
    bool WrittenThisRun);

/// <summary>What is stored beside a cached dump.</summary>
public sealed record BenchDumpMetadata(string TestAppHash, string Scenario, long BallastObjects, Dictionary<string, int> Expected, double WriteSeconds, string? Shape = null);

/// <summary>
/// Heap dumps written by the target runtime itself (HeapDumpWriter: DiagnosticsClient.WriteDump, DumpType.WithHeap), kept under
/// .cache/bench/ of the repository between runs. A dump is rewritten when the test app binary changed since.
/// </summary>
public sealed class DumpLibrary(string directory, Func<string> postgresConnectionString)
{
    public const string Scenario = "mixed";

    /// <summary>The test app's default ballast: millions of small customer records in chunks.</summary>
    public const string Customers = "customers";

    /// <summary>Allocating 20M ballast objects takes a while before the handshake; writing their dump too.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(180);
    public static readonly TimeSpan DumpWriteTimeout = TimeSpan.FromMinutes(10);
    private static readonly JsonSerializerOptions MetadataFormat = new() { WriteIndented = true };
    private readonly Lazy<string> testAppHash = new(HashTestApp);

    /// <summary>A dump with <paramref name="ballastObjects"/> of the test app's <c>--ballast-shape</c> (for the wide shapes: entries).</summary>
    public async Task<BenchDump> GetAsync(long ballastObjects, string shape = Customers)
    {
        Directory.CreateDirectory(directory);
        var dumpPath = Path.Combine(directory, shape == Customers ? $"{Scenario}-ballast-{ballastObjects}.dmp" : $"{Scenario}-ballast-{shape}-{ballastObjects}.dmp");
        var metadataPath = Path.ChangeExtension(dumpPath, ".json");
        if (File.Exists(dumpPath) && File.Exists(metadataPath)
            && JsonSerializer.Deserialize<BenchDumpMetadata>(await File.ReadAllTextAsync(metadataPath).ConfigureAwait(false)) is { } cached
            && cached.TestAppHash == testAppHash.Value)
        {
            return new BenchDump(ballastObjects, shape, dumpPath, new FileInfo(dumpPath).Length, cached.Expected, cached.WriteSeconds, WrittenThisRun: false);
        }

        File.Delete(dumpPath);
        File.Delete(metadataPath);
        Console.Error.WriteLine($"Writing a heap dump of '{Scenario}' with {ballastObjects:N0} ballast {(shape == Customers ? "objects" : shape + " entries")}…");
        var connectionString = postgresConnectionString();
        using var app = await TestApp.StartAsync(Scenario,
            ["--pg", connectionString, "--ballast", ballastObjects.ToString(System.Globalization.CultureInfo.InvariantCulture), "--ballast-shape", shape],
            HandshakeTimeout).ConfigureAwait(false);
        var seconds = (await HeapDumpWriter.WriteAsync(app.Pid, dumpPath, DumpWriteTimeout).ConfigureAwait(false)).TotalSeconds;
        var metadata = new BenchDumpMetadata(testAppHash.Value, Scenario, ballastObjects, new Dictionary<string, int>(app.Expected), seconds, shape);
        await File.WriteAllTextAsync(metadataPath, JsonSerializer.Serialize(metadata, MetadataFormat)).ConfigureAwait(false);
        return new BenchDump(ballastObjects, shape, dumpPath, new FileInfo(dumpPath).Length, metadata.Expected, seconds, WrittenThisRun: true);
    }

    private static string HashTestApp()
    {
        using var stream = File.OpenRead(TestApp.DllPath);
        return Convert.ToHexString(SHA256.HashData(stream))[..16];
    }
}
