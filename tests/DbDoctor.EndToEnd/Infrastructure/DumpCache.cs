using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>A heap dump of a scenario, with the handshake of the process it was taken from.</summary>
public sealed record ScenarioDump(
    string Path,
    string Scenario,
    int Pid,
    string HandshakeLine,
    IReadOnlyDictionary<string, int> Expected,
    JsonElement Info,
    TimeSpan WriteDuration)
{
    public int ExpectedCount(string findingKind) => Expected.TryGetValue(findingKind, out var count) ? count : 0;

    /// <summary>The handshake's runtime: the product version of the runtime the app ran on (e.g. 8.0.31).</summary>
    public string Runtime { get; init; } = "";

    /// <summary>What the observer given to <see cref="DumpCache.GetAsync(string, Func{TestApp, Task{object}}, string[])"/> saw while the app ran.</summary>
    public object? Observed { get; init; }

    public T ObservedAs<T>() => Observed is T observed
        ? observed
        : throw new InvalidOperationException($"The dump of {Scenario} was cached without an observation of type {typeof(T).Name}: give its arguments a unique --app-name.");
}

/// <summary>
/// Heap dumps (<see cref="HeapDumpWriter"/>: WithHeap, ~200 MB, 1-2 s each) of scenario processes, written once per scenario and
/// arguments per test run, in a temp directory deleted when the run ends. The scenario process is stopped after its dump.
/// </summary>
public static class DumpCache
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<ScenarioDump>>> Dumps = new(StringComparer.Ordinal);
    private static readonly Lazy<string> DumpDirectory = new(CreateDumpDirectory);

    public static Task<ScenarioDump> GetAsync(string scenario, params string[] arguments)
    {
        var key = string.Join('\u001f', arguments.Prepend(scenario));
        return Dumps.GetOrAdd(key, _ => new Lazy<Task<ScenarioDump>>(() => WriteAsync(scenario, arguments, observe: null))).Value;
    }

    /// <summary>Like <see cref="GetAsync(string, string[])"/>, of the test app built as a cell of the target matrix.</summary>
    public static Task<ScenarioDump> GetAsync(TestAppCell cell, string scenario, params string[] arguments)
    {
        var key = string.Join('\u001f', arguments.Prepend(scenario).Prepend(cell.ToString()));
        return Dumps.GetOrAdd(key, _ => new Lazy<Task<ScenarioDump>>(async () =>
            await WriteAsync(scenario, arguments, observe: null, await TestAppMatrix.BuildAsync(cell)))).Value;
    }

    /// <summary>
    /// Like <see cref="GetAsync(string, string[])"/>, and runs <paramref name="observe"/> on the live app just before its dump
    /// (e.g. to read the server's view of its sessions, which ends with the app); the result is <see cref="ScenarioDump.Observed"/>.
    /// The first caller of a scenario and arguments decides the observation: give observed dumps unique arguments.
    /// </summary>
    public static Task<ScenarioDump> GetAsync(string scenario, Func<TestApp, Task<object>> observe, params string[] arguments)
    {
        var key = string.Join('\u001f', arguments.Prepend(scenario));
        return Dumps.GetOrAdd(key, _ => new Lazy<Task<ScenarioDump>>(() => WriteAsync(scenario, arguments, observe))).Value;
    }

    /// <summary>Like <see cref="GetAsync(string, Func{TestApp, Task{object}}, string[])"/>, of the test app built as a cell of the target matrix.</summary>
    public static Task<ScenarioDump> GetAsync(TestAppCell cell, string scenario, Func<TestApp, Task<object>> observe, params string[] arguments)
    {
        var key = string.Join('\u001f', arguments.Prepend(scenario).Prepend(cell.ToString()));
        return Dumps.GetOrAdd(key, _ => new Lazy<Task<ScenarioDump>>(async () =>
            await WriteAsync(scenario, arguments, observe, await TestAppMatrix.BuildAsync(cell)))).Value;
    }

    /// <summary>Writes a heap dump of any running .NET process (the caller owns the file).</summary>
    public static Task<TimeSpan> WriteHeapDumpAsync(int pid, string path) => HeapDumpWriter.WriteAsync(pid, path);

    private static async Task<ScenarioDump> WriteAsync(string scenario, string[] arguments, Func<TestApp, Task<object>>? observe, TestAppBuild? build = null)
    {
        using var app = await TestApp.StartAsync(scenario, arguments, build: build);
        var observed = observe is null ? null : await observe(app);
        var path = Path.Combine(DumpDirectory.Value, $"{scenario}-{app.Pid}.dmp");
        var duration = await WriteHeapDumpAsync(app.Pid, path);
        return new ScenarioDump(path, scenario, app.Pid, app.HandshakeLine, app.Expected, app.Info, duration) { Observed = observed, Runtime = app.Runtime };
    }

    private const string DumpDirectoryPrefix = "dbdoctor-e2e-dumps-";
    private const string OwnerFileName = "owner.pid";

    private static string CreateDumpDirectory()
    {
        DeleteAbandonedDumpDirectories();
        var directory = Directory.CreateTempSubdirectory(DumpDirectoryPrefix).FullName;
        File.WriteAllText(Path.Combine(directory, OwnerFileName), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                // The owner file goes last: if the host is killed half-way, the next run still knows whose directory it was.
                foreach (var dump in Directory.EnumerateFiles(directory).Where(f => Path.GetFileName(f) != OwnerFileName))
                {
                    File.Delete(dump);
                }

                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A dump still being read by a child that outlived the run; the next run removes it (DeleteAbandonedDumpDirectories).
            }
        };
        return directory;
    }

    /// <summary>
    /// The ProcessExit cleanup does not finish reliably under the test host (seen: eleven runs left 0.6-1.2 GB of dumps
    /// each in the temp directory, some half deleted): each run removes the directories of earlier runs whose test host is
    /// gone (or, without an owner file, that nobody touched for half an hour).
    /// </summary>
    private static void DeleteAbandonedDumpDirectories()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DumpDirectoryPrefix + "*"))
        {
            try
            {
                if (IsAbandoned(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run's directory we may not touch, or one that run is deleting itself.
            }
        }
    }

    private static bool IsAbandoned(string directory)
    {
        var owner = Path.Combine(directory, OwnerFileName);
        if (!File.Exists(owner))
        {
            return Directory.GetLastWriteTimeUtc(directory) < DateTime.UtcNow.AddMinutes(-30);
        }

        if (!int.TryParse(File.ReadAllText(owner), out var pid))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process
        }
    }
}
