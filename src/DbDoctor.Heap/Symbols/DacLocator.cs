using System.Runtime.InteropServices;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Symbols;

/// <summary>
/// Finds the runtime's data access library (DAC, libmscordaccore.so) of the exact build a dump was written by, the way
/// dotnet-dump users expect: next to the runtime path recorded in the dump first (where it was written), then in the
/// local directories given (<c>--symbols DIR</c>, <see cref="SymbolPathVariable"/>): a plain folder holding the runtime's
/// files (the target's publish or shared-framework folder copied from the server, or a dotnet root), or a symbol store
/// (<c>&lt;file&gt;/elf-buildid-coreclr-&lt;id&gt;/&lt;file&gt;</c>); then the public symbol server, when it answers.
/// </summary>
public static class DacLocator
{
    public const string SymbolPathVariable = "DBDOCTOR_SYMBOL_PATH";

    /// <summary>The symbol server asked last (default <see cref="PublicSymbolServer"/>; "none" or empty: none).</summary>
    public const string SymbolServerVariable = "DBDOCTOR_SYMBOL_SERVER";

    public const string PublicSymbolServer = "https://msdl.microsoft.com/download/symbols";

    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The directories of DBDOCTOR_SYMBOL_PATH (separated like PATH).</summary>
    public static IReadOnlyList<string> FromEnvironment() =>
        (Environment.GetEnvironmentVariable(SymbolPathVariable) ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <param name="runtimeFileVersion">The runtime's file version in the dump (CoreLib's, e.g. 8.0.3126.42015), which its native files also carry.</param>
    internal static ClrRuntime CreateRuntime(
        ClrInfo clr, string dumpPath, IReadOnlyList<string> directories, string symbolCache, string? runtimeVersion, string? runtimeFileVersion)
    {
        var dac = clr.DebuggingLibraries.FirstOrDefault(d => d.Kind == DebugLibraryKind.Dac && d.Platform == OSPlatform.Linux)
            ?? clr.DebuggingLibraries.FirstOrDefault(d => d.Kind == DebugLibraryKind.Dac);
        var next = Path.Combine(Path.GetDirectoryName(clr.ModuleInfo.FileName) ?? "", dac?.FileName is { } f ? Path.GetFileName(f) : "libmscordaccore.so");
        if (dac is null || File.Exists(next) || (Path.IsPathRooted(dac.FileName) && File.Exists(dac.FileName)))
        {
            // Where it was written: ClrMD finds the library next to the runtime itself.
            return Create(() => clr.CreateRuntime(), dumpPath);
        }

        var fileName = Path.GetFileName(dac.FileName);
        var buildId = Convert.ToHexString(dac.IndexBuildId.AsSpan()).ToLowerInvariant();
        var key = (dac.ArchivedUnder == SymbolProperties.Coreclr ? "elf-buildid-coreclr-" : "elf-buildid-") + buildId;
        var runtimeFile = Path.GetFileName(clr.ModuleInfo.FileName);
        var tried = new List<string>();
        foreach (var candidate in directories.SelectMany(d => Candidates(d, fileName, key, runtimeFile, buildId, runtimeVersion, runtimeFileVersion)))
        {
            try
            {
                // The candidate's build was checked here (ClrMD 4.1 compares it with ClrInfo.Version, which reads 0.0 for .NET 8+).
                return clr.CreateRuntime(candidate, ignoreMismatch: true);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                tried.Add($"{candidate} ({e.Message.TrimEnd('.')})");
            }
        }

        var (downloaded, serverAnswer) = Download(fileName, key, symbolCache);
        if (downloaded is not null)
        {
            return Create(() => clr.CreateRuntime(downloaded, ignoreMismatch: true), dumpPath); // found by its build id
        }

        var what = $"{fileName} of .NET {runtimeVersion ?? "?"} (the runtime's data access library, build {buildId})";
        var where = directories.Count == 0
            ? "no --symbols directory was given"
            : tried.Count == 0 ? $"{string.Join(", ", directories)} {(directories.Count == 1 ? "holds" : "hold")} no copy of this build" : $"none in {string.Join(", ", directories)} could be loaded: {string.Join("; ", tried)}";
        throw new DbDoctorInputException(
            $"'{dumpPath}' needs {what}, which is not at {next} where the dump was written, {where}, and {serverAnswer}: " +
            $"copy the target's runtime or publish folder from the machine that wrote the dump and pass it with --symbols DIR (or {SymbolPathVariable}=DIR).");
    }

    /// <summary>
    /// Where one directory may hold the library of this build: a symbol store (keyed by the runtime's build id), the folder
    /// itself or a dotnet root's shared framework, where the runtime file beside it must have the dump's build id (or,
    /// alone, the library must carry the runtime's file version): a runtime folder of another build is not this dump's.
    /// </summary>
    internal static IEnumerable<string> Candidates(
        string directory, string fileName, string key, string runtimeFile, string buildId, string? runtimeVersion, string? runtimeFileVersion)
    {
        var store = Path.Combine(directory, fileName, key, fileName);
        if (File.Exists(store))
        {
            yield return store;
        }

        var folders = new List<string> { directory };
        if (runtimeVersion is not null)
        {
            folders.Add(Path.Combine(directory, "shared", "Microsoft.NETCore.App", runtimeVersion));
        }

        foreach (var folder in folders)
        {
            var candidate = Path.Combine(folder, fileName);
            var runtime = Path.Combine(folder, runtimeFile);
            if (!File.Exists(candidate))
            {
                continue;
            }

            var sameBuild = File.Exists(runtime)
                ? RuntimeFileIdentity.BuildId(runtime) == buildId
                : runtimeFileVersion is not null && RuntimeFileIdentity.VersionString(candidate) == runtimeFileVersion;
            if (sameBuild)
            {
                yield return candidate;
            }
        }
    }

    private static (string? Path, string Answer) Download(string fileName, string key, string symbolCache)
    {
        var server = Environment.GetEnvironmentVariable(SymbolServerVariable) ?? PublicSymbolServer;
        if (string.IsNullOrWhiteSpace(server) || server.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"no symbol server was asked ({SymbolServerVariable}=none)");
        }

        var target = Path.Combine(symbolCache, fileName, key, fileName);
        try
        {
            using var http = new HttpClient { Timeout = DownloadTimeout };
            using var response = http.GetAsync($"{server.TrimEnd('/')}/{fileName}/{key}/{fileName}").GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"the symbol server {server} does not have it ({(int)response.StatusCode})");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (var file = File.Create(target))
            {
                response.Content.ReadAsStream().CopyTo(file);
            }

            return (target, "");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or UriFormatException or InvalidOperationException)
        {
            return (null, $"the symbol server {server} cannot be reached (offline?)");
        }
    }

    private static ClrRuntime Create(Func<ClrRuntime> create, string dumpPath)
    {
        try
        {
            return create();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DbDoctorInputException($"The .NET runtime in '{dumpPath}' cannot be read (its data access library could not be loaded: {e.Message}).", e);
        }
    }
}
