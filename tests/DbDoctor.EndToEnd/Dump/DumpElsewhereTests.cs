using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// A dump analysed away from where it was written: a .NET 8 self-contained app (its runtime and data access library live
/// in its own folder) is dumped, the dump is moved to another folder and the app's folder deleted. Without the runtime's
/// files dbdoctor fails in one sentence naming what is missing and how to provide it (the symbol server is unreachable
/// here, as offline); with a copy of the publish folder (--symbols DIR or DBDOCTOR_SYMBOL_PATH), or a symbol store holding
/// the library under its build-id key, it reports the handshake's counts.
/// </summary>
public sealed partial class DumpElsewhereTests(MovedDumpFixture moved) : IClassFixture<MovedDumpFixture>
{
    /// <summary>Nothing listens on port 9 (discard): the symbol server cannot be reached, as on a machine without network.</summary>
    private static readonly Dictionary<string, string> Offline = new() { ["DBDOCTOR_SYMBOL_SERVER"] = "http://127.0.0.1:9" };


    [Fact]
    public async Task Without_the_runtimes_files_it_fails_in_one_sentence_naming_the_missing_library_and_how_to_provide_it()
    {
        var result = await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json"], environment: Offline);

        var message = AssertOneSentenceRejection(result);
        Assert.Contains($"libmscordaccore.so of .NET {moved.Runtime}", message, StringComparison.Ordinal);
        Assert.Contains("--symbols DIR", message, StringComparison.Ordinal);
        Assert.Contains("DBDOCTOR_SYMBOL_PATH", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_of_the_publish_folder_given_with_symbols_or_the_environment_reads_the_dump()
    {
        AssertHandshakeCounts(await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json", "--symbols", moved.Symbols], environment: Offline));
        AssertHandshakeCounts(await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json"], environment: WithSymbolPath(moved.Symbols)));
    }

    [Fact]
    public async Task A_symbol_store_with_the_library_under_its_build_id_key_reads_the_dump()
    {
        // The failure names the build id: the symbol-store key is libmscordaccore.so/elf-buildid-coreclr-<id>/libmscordaccore.so.
        var failure = AssertOneSentenceRejection(await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json"], environment: Offline));
        var buildId = BuildIdPattern().Match(failure).Groups[1].Value;
        Assert.Equal(40, buildId.Length);
        var store = Path.Combine(moved.Root, "symbol-store");
        var keyed = Directory.CreateDirectory(Path.Combine(store, "libmscordaccore.so", "elf-buildid-coreclr-" + buildId)).FullName;
        File.Copy(Path.Combine(moved.Symbols, "libmscordaccore.so"), Path.Combine(keyed, "libmscordaccore.so"));

        AssertHandshakeCounts(await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json", "--symbols", store], environment: Offline));
    }

    [Fact]
    public async Task A_runtime_folder_of_another_build_is_not_taken_for_this_dumps()
    {
        var other = await TestAppMatrix.BuildAsync(new TestAppCell("net9.0", Npgsql: "9.0.5", Sqlite: "9.0.23", SqlitePcl: "2.1.13"));

        var message = AssertOneSentenceRejection(await DbDoctorCli.RunAsync(["dump", moved.Dump, "--format", "json", "--symbols", other.Directory], environment: Offline));
        Assert.Contains("holds no copy of this build", message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> WithSymbolPath(string directory) =>
        new(Offline) { ["DBDOCTOR_SYMBOL_PATH"] = directory };

    private void AssertHandshakeCounts(CliResult result)
    {
        Assert.True(result.ExitCode == 3, result.ToString());
        using var document = result.ParseStdoutJson();
        var report = document.RootElement;
        Assert.Equal(moved.Runtime, report.GetProperty("target").GetProperty("runtimeVersion").GetString());
        var findings = report.GetProperty("findings").EnumerateArray().ToList();
        foreach (var (kind, count) in moved.Expected)
        {
            var ofKind = findings.Where(f => f.GetProperty("kind").GetString() == kind).ToList();
            var got = kind == "pool-sprawl" ? ofKind.Count : ofKind.Sum(f => f.GetProperty("count").GetInt32());
            Assert.True(count == got, $"{kind}: expected {count}, got {got}. {result}");
        }

        // Read away from its files, the driver's version comes from the dump itself: its family is known and verified.
        var sqlite = Assert.Single(report.GetProperty("drivers").EnumerateArray(), d => d.GetProperty("name").GetString() == "Microsoft.Data.Sqlite");
        Assert.StartsWith("8.0.34", sqlite.GetProperty("version").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.True, sqlite.GetProperty("verified").ValueKind);
        Assert.Empty(report.GetProperty("warnings").EnumerateArray());
    }

    /// <summary>Exit 2, nothing on stdout, one sentence on stderr; returns it.</summary>
    private static string AssertOneSentenceRejection(CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(result.Stdout.Length == 0, result.ToString());
        var message = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("dbdoctor: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
        Assert.True(!message.TrimEnd('.').Contains(". ", StringComparison.Ordinal), $"more than one sentence: {message}");
        return message;
    }

    [GeneratedRegex(@"build ([0-9a-f]{40})")]
    private static partial Regex BuildIdPattern();
}

/// <summary>The sqlite-mixed scenario of the net8.0 cell, dumped, the dump moved and the app's folder deleted (once per class).</summary>
public sealed class MovedDumpFixture : IAsyncLifetime
{
    private static readonly TestAppCell Net8 = new("net8.0", Npgsql: "8.0.9", Sqlite: "8.0.34", SqlitePcl: "2.1.13");
    private TestApp? app;

    public string Root { get; } = Directory.CreateTempSubdirectory("dbdoctor-e2e-elsewhere-").FullName;
    public string Dump { get; private set; } = "";
    public string Symbols { get; private set; } = "";
    public IReadOnlyDictionary<string, int> Expected { get; private set; } = new Dictionary<string, int>();
    public string Runtime { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var build = await TestAppMatrix.BuildAsync(Net8);
        var original = Path.Combine(Root, "server", "app");
        Symbols = Path.Combine(Root, "copied-from-server");
        CopyDirectory(build.Directory, original);
        CopyDirectory(build.Directory, Symbols);

        app = await TestApp.StartAsync("sqlite-mixed", [], build: new TestAppBuild(Net8, original));
        (Expected, Runtime) = (app.Expected, app.Runtime);
        var written = Path.Combine(Root, "server", "core.dmp");
        await HeapDumpWriter.WriteAsync(app.Pid, written);
        app.Dispose();

        // The dump travels; the runtime it was written by stays behind and is gone.
        Dump = Path.Combine(Directory.CreateDirectory(Path.Combine(Root, "laptop")).FullName, "core.dmp");
        File.Move(written, Dump);
        Directory.Delete(Path.Combine(Root, "server"), recursive: true);
    }

    public Task DisposeAsync()
    {
        app?.Dispose();
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, File.GetUnixFileMode(file)); // the runtime's executables stay executable
            }
        }
    }
}
