using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DbDoctor.TestHarness;

/// <summary>
/// One cell of the test-app target matrix: the runtime it targets and the driver versions it is built against (null: the
/// version Directory.Packages.props pins). net8.0 and net9.0 are published self-contained (the machine has only the
/// .NET 10 runtime; the publish folder carries its runtime and its createdump); net10.0 is framework-dependent.
/// </summary>
public sealed record TestAppCell(string Runtime, string? Npgsql = null, string? Sqlite = null, string? SqlitePcl = null, string? MySqlConnector = null)
{
    public const string CurrentRuntime = "net10.0";

    public bool SelfContained => Runtime != CurrentRuntime;

    /// <summary>"net8.0 Npgsql 8.0.9 Sqlite 8.0.34": the cell's name in test output.</summary>
    public override string ToString() =>
        string.Join(' ', new[] { Runtime, Npgsql is null ? null : "Npgsql " + Npgsql, Sqlite is null ? null : "Sqlite " + Sqlite, MySqlConnector is null ? null : "MySqlConnector " + MySqlConnector }.Where(p => p is not null));

    /// <summary>The MSBuild properties of testapps/Directory.Build.props that select this cell.</summary>
    public IReadOnlyList<string> Properties()
    {
        var properties = new List<string> { "-p:TargetRuntime=" + Runtime };
        if (SelfContained)
        {
            properties.Add("-p:RuntimeIdentifier=linux-x64");
            properties.Add("-p:SelfContained=true");
        }

        Add(properties, "NpgsqlVersion", Npgsql);
        Add(properties, "SqliteVersion", Sqlite);
        Add(properties, "SqlitePclVersion", SqlitePcl);
        Add(properties, "MySqlConnectorVersion", MySqlConnector);
        return properties;
    }

    private static void Add(List<string> properties, string name, string? value)
    {
        if (value is not null)
        {
            properties.Add($"-p:{name}={value}");
        }
    }
}

/// <summary>A published cell: how to start it.</summary>
public sealed record TestAppBuild(TestAppCell Cell, string Directory)
{
    /// <summary>The program to start and the arguments before the scenario's.</summary>
    public (string FileName, string[] Prefix) Command => Cell.SelfContained
        ? (Path.Combine(Directory, "DbDoctor.TestApp"), [])
        : (ChildProcess.DotnetHost, [Path.Combine(Directory, "DbDoctor.TestApp.dll")]);
}

/// <summary>
/// Publishes matrix cells of testapps/DbDoctor.TestApp (`dotnet publish` with the cell's properties, outside the source
/// tree), each once: a cell is kept under the temp directory by a hash of the test apps' sources, the shared build files
/// and its properties, so later runs and other test processes reuse it, and a source change builds it afresh.
/// </summary>
public static class TestAppMatrix
{
    public static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);

    private static readonly ConcurrentDictionary<TestAppCell, Lazy<Task<TestAppBuild>>> Builds = new();

    public static Task<TestAppBuild> BuildAsync(TestAppCell cell) =>
        Builds.GetOrAdd(cell, c => new Lazy<Task<TestAppBuild>>(() => Task.Run(() => PublishAsync(c)))).Value;

    private static async Task<TestAppBuild> PublishAsync(TestAppCell cell)
    {
        var root = Path.Combine(Path.GetTempPath(), "dbdoctor-testapp-cells");
        System.IO.Directory.CreateDirectory(root);
        var key = CellKey(cell);
        var directory = Path.Combine(root, key);
        var done = Path.Combine(directory, "publish", ".complete");
        var lockPath = Path.Combine(root, key + ".lock");

        // Another test process may be publishing the same cell: one builds, the other waits and reuses it.
        using var gate = await LockAsync(lockPath).ConfigureAwait(false);
        if (!File.Exists(done))
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            var project = Path.Combine(ChildProcess.RepositoryRoot, "testapps", "DbDoctor.TestApp", "DbDoctor.TestApp.csproj");
            var publish = Path.Combine(directory, "publish");
            string[] arguments =
            [
                "publish", project, "-c", "Release", "-o", publish, "--nologo",
                "-p:TestAppCellRoot=" + Path.Combine(directory, "build"), .. cell.Properties(),
            ];
            var result = await ChildProcess.RunAsync(ChildProcess.DotnetHost, arguments, PublishTimeout).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Stdout}\n{result.Stderr}");
            }

            await File.WriteAllTextAsync(done, cell.ToString()).ConfigureAwait(false);
        }

        return new TestAppBuild(cell, Path.Combine(directory, "publish"));
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        var deadline = DateTime.UtcNow + PublishTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Hash of the cell's properties and every source and build file of the test apps (bin/obj excluded).</summary>
    private static string CellKey(TestAppCell cell)
    {
        var repository = ChildProcess.RepositoryRoot;
        var files = System.IO.Directory.EnumerateFiles(Path.Combine(repository, "testapps"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props", "global.json" }.Select(f => Path.Combine(repository, f)))
            .Order(StringComparer.Ordinal);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', cell.Properties())));
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(repository, file)));
            hash.AppendData(File.ReadAllBytes(file));
        }

        var name = cell.ToString().Replace(' ', '-').ToLower(CultureInfo.InvariantCulture);
        return name + "-" + Convert.ToHexString(hash.GetHashAndReset())[..12].ToLower(CultureInfo.InvariantCulture);
    }
}
