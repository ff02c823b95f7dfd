using System.Globalization;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.GroundTruth;

/// <summary>The SQLite scenarios need no server: their ground truth is the handshake and the database files themselves.</summary>
public sealed class SqliteScenarioGroundTruthTests
{
    [Fact]
    public async Task Handshake_is_one_json_line_with_the_real_pid_and_expected_counts()
    {
        using var app = await TestApp.StartAsync("sqlite-mixed");

        Assert.Equal(app.Pid, app.ReportedPid);
        Assert.Equal(2, app.ExpectedCount("leaked-transaction"));
        Assert.Equal(3, app.ExpectedCount("leaked-connection")); // SQLite: an undisposed reader is collected with its connection
        Assert.Equal(1, app.ExpectedCount("pool-sprawl"));
        Assert.Contains("database is locked", app.Info.GetProperty("lockProbe").GetProperty("result").GetString(), StringComparison.Ordinal);
        Assert.True(Directory.Exists(app.InfoString("directory")));

        var directory = app.InfoString("directory");
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
        Assert.Equal("", app.ExtraStdout);
        Assert.False(Directory.Exists(directory), "the app deletes the temp directory it created");
    }

    [Fact]
    public async Task Transaction_leak_keeps_every_file_locked_against_other_writers()
    {
        var directory = Directory.CreateTempSubdirectory("dbdoctor-e2e-sqlite-").FullName;
        try
        {
            using var app = await TestApp.StartAsync("sqlite-transaction-leak", "--count", "3", "--sqlite-dir", directory);

            Assert.Equal(3, app.ExpectedCount("leaked-transaction"));
            var probe = app.Info.GetProperty("lockProbe");
            Assert.Contains("database is locked", probe.GetProperty("result").GetString(), StringComparison.Ordinal);
            Assert.Equal(5, probe.GetProperty("sqliteErrorCode").GetInt32()); // SQLITE_BUSY
            Assert.Equal(3, Directory.GetFiles(directory, "orders-*.db").Length);

            // Every leaked transaction still holds its file: SQLite keeps a hot journal (or WAL) next to each.
            Assert.Equal(3, Directory.GetFiles(directory, "orders-*.db-journal").Length + Directory.GetFiles(directory, "orders-*.db-wal").Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Sprawl_creates_one_database_file_per_tenant_and_says_how_many_pools()
    {
        var directory = Directory.CreateTempSubdirectory("dbdoctor-e2e-sqlite-").FullName;
        try
        {
            using var app = await TestApp.StartAsync("sqlite-sprawl", "--count", "12", "--sqlite-dir", directory);

            Assert.Equal(1, app.ExpectedCount("pool-sprawl"));
            Assert.Equal(12, int.Parse(app.InfoString("tenantPools"), CultureInfo.InvariantCulture));
            Assert.Equal(12, Directory.GetFiles(directory, "tenant-*.db").Length);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Reader_leak_handshake_promises_the_requested_count()
    {
        using var app = await TestApp.StartAsync("sqlite-reader-leak", "--count", "4", "--files", "distinct");

        Assert.Equal(4, app.ExpectedCount("leaked-connection"));
        Assert.Equal(4, Directory.GetFiles(app.InfoString("directory"), "catalog-*.db").Length);
    }

    [Fact]
    public async Task Unknown_scenario_or_option_exits_with_code_2_and_prints_nothing_on_stdout()
    {
        var unknownScenario = await ChildProcess.RunAsync(ChildProcess.DotnetHost, [TestApp.DllPath, "no-such-scenario"], TimeSpan.FromSeconds(30));
        var unknownOption = await ChildProcess.RunAsync(ChildProcess.DotnetHost, [TestApp.DllPath, "sqlite-sprawl", "--cuont", "3"], TimeSpan.FromSeconds(30));

        Assert.Equal(2, unknownScenario.ExitCode);
        Assert.Contains("unknown scenario", unknownScenario.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, unknownOption.ExitCode);
        Assert.Contains("--cuont", unknownOption.Stderr, StringComparison.Ordinal);
        Assert.Equal("", unknownScenario.Stdout + unknownOption.Stdout);
    }
}
