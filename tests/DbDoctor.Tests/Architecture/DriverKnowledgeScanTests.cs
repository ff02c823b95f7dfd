using System.Text.RegularExpressions;
using DbDoctor.Drivers;

namespace DbDoctor.Tests.Architecture;

/// <summary>
/// Driver knowledge lives only in src/DbDoctor.Drivers/, one folder per driver: the engine, rules, renderers and facts
/// never name a driver. The forbidden words come from the registered profiles themselves (so a new driver is covered
/// as soon as it is registered) plus the names of the databases and the driver-specific strings they use.
/// </summary>
public sealed class DriverKnowledgeScanTests
{
    /// <summary>Projects that must stay driver-agnostic. The CLI (wiring) and the drivers' own project are not scanned.</summary>
    private static readonly string[] DriverAgnosticProjects =
    [
        "src/DbDoctor.Model",
        "src/DbDoctor.Heap",
        "src/DbDoctor.Diagnosis",
        "src/DbDoctor.Rendering",
        "src/DbDoctor.Telemetry",
        "src/DbDoctor.Prometheus",
    ];

    /// <summary>Databases, poolers and server views, whatever the driver: words no driver-agnostic file needs.</summary>
    private static readonly string[] DatabaseWords =
    [
        "Npgsql", "Postgres", "pg_stat", "PgBouncer", "idle_session_timeout", "idle_in_transaction",
        "Sqlite", "SqlClient", "SQL Server", "SqlServer", "MySql", "MariaDB",
    ];

    /// <summary>Driver state strings and server error codes, as string literals.</summary>
    private static readonly string[] DriverLiterals =
    [
        "\"Ready\"", "\"failed transaction\"", "\"Doomed\"", "\"57P05\"", "\"57P01\"", "\"53300\"", "\"28P01\"", "\"3D000\"",
    ];

    [Fact]
    public void No_driver_agnostic_source_names_a_driver()
    {
        var root = RepositoryRoot();
        var patterns = ForbiddenPatterns(DriverCatalog.Default).ToList();
        var hits = new List<string>();
        foreach (var project in DriverAgnosticProjects)
        {
            var directory = Path.Combine(root, project);
            Assert.True(Directory.Exists(directory), $"{project} is missing: update the scan's project list");
            foreach (var file in SourceFiles(directory))
            {
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    foreach (var (what, pattern) in patterns.Where(p => p.Pattern.IsMatch(lines[i])))
                    {
                        hits.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {what}: {lines[i].Trim()}");
                    }
                }
            }
        }

        Assert.True(hits.Count == 0, "Driver knowledge outside src/DbDoctor.Drivers/:\n" + string.Join("\n", hits));
    }

    [Fact]
    public void The_scan_catches_each_kind_of_driver_knowledge()
    {
        var patterns = ForbiddenPatterns(DriverCatalog.Default).Select(p => p.Pattern).ToList();
        string[] offending =
        [
            "if (driver == \"Microsoft.Data.SqlClient\")",
            "var type = \"NpgsqlDataSource\";",
            "port ?? 1433",
            "return state == \"Ready\";",
            "// PostgreSQL closes the session",
            "message.Contains(\"57P05\")",
        ];

        foreach (var line in offending)
        {
            Assert.True(patterns.Any(p => p.IsMatch(line)), $"not caught: {line}");
        }

        Assert.DoesNotContain(patterns, p => p.IsMatch("var port = pool.Port ?? profile.ConnectionStrings.DefaultPort; // 15432 is a test port"));
    }

    private static IEnumerable<(string What, Regex Pattern)> ForbiddenPatterns(DriverCatalog catalog)
    {
        foreach (var profile in catalog.Profiles)
        {
            yield return ($"driver name {profile.Name}", Word(profile.Name));
            foreach (var assembly in profile.AssemblyFileNames)
            {
                yield return ($"driver assembly {assembly}", Word(Path.GetFileNameWithoutExtension(assembly)));
            }

            var words = profile.Words;
            foreach (var type in new[] { words.ConnectionType, words.TransactionType, words.ReaderType, words.CommandType }.Distinct())
            {
                yield return ($"driver type {type}", Word(type));
            }

            if (profile.ConnectionStrings.DefaultPort is { } port)
            {
                yield return ($"default port of {profile.Name}", new Regex($@"(?<![\d.]){port}(?!\d)", RegexOptions.CultureInvariant));
            }
        }

        foreach (var word in DatabaseWords)
        {
            yield return ($"database word {word}", new Regex(Regex.Escape(word), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant));
        }

        foreach (var literal in DriverLiterals)
        {
            yield return ($"driver literal {literal}", new Regex(Regex.Escape(literal), RegexOptions.CultureInvariant));
        }
    }

    private static Regex Word(string text) => new($@"(?<![\w.]){Regex.Escape(text)}(?!\w)", RegexOptions.CultureInvariant);

    private static IEnumerable<string> SourceFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DbDoctor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DbDoctor.sln not found above " + AppContext.BaseDirectory);
    }
}
