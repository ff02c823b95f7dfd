using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>The embedded-database scenarios: nothing but files, so they also make the no-server demo.</summary>
public static class SqliteScenarios
{
    public static Task<ScenarioOutcome> TransactionLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 3, min: 1, max: 200);
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        var files = LeakTransactions(directory, count);
        var outcome = new ScenarioOutcome();
        outcome.Expected["leaked-transaction"] = count;
        outcome.Info["directory"] = directory;
        outcome.Info["lockProbe"] = SqliteFiles.ProbeWrite(files[0]);
        return Task.FromResult(outcome);
    }

    public static Task<ScenarioOutcome> ReaderLeakAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 3, min: 1, max: 200);
        var files = options.GetString("files") ?? "same";
        if (files is not ("same" or "distinct"))
        {
            throw new TestAppUsageException($"--files must be same or distinct, got '{files}'");
        }

        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        LeakReaders(directory, count, files == "distinct");
        var outcome = new ScenarioOutcome();
        // Microsoft.Data.Sqlite 6 lets the GC collect an undisposed reader, its command, its statement and the
        // SqliteConnection; what stays is the pool slot marked active. From the heap that is a leaked connection:
        // the reader itself can no longer be seen, so that is what dbdoctor can honestly report.
        outcome.Expected["leaked-connection"] = count;
        outcome.Info["directory"] = directory;
        outcome.Info["files"] = files;
        return Task.FromResult(outcome);
    }

    public static Task<ScenarioOutcome> SprawlAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 20, min: 1, max: 1000);
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        UseEveryTenant(directory, count);
        var outcome = new ScenarioOutcome();
        outcome.Expected["pool-sprawl"] = 1;
        outcome.Info["directory"] = directory;
        outcome.Info["tenantPools"] = count;
        return Task.FromResult(outcome);
    }

    /// <summary>
    /// The no-server demo (<c>dbdoctor demo</c>): a bit of everything, plus work done right. Every run leaves the same
    /// heap: nothing runs after the handshake, so no snapshot can catch a connection in use (a worker that kept writing
    /// was caught mid-round by about one snapshot in four, as an extra held connection and one more busy).
    /// Starts in well under 2 s.
    /// </summary>
    public static Task<ScenarioOutcome> MixedAsync(AppOptions options, BackgroundWork background)
    {
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        var outcome = new ScenarioOutcome();
        var lockedFiles = LeakTransactions(directory, 2);
        LeakReaders(directory, 3, distinctFiles: false);
        UseEveryTenant(directory, 6);
        WorkProperly(directory, rounds: 20);

        outcome.Expected["leaked-transaction"] = 2;
        outcome.Expected["leaked-connection"] = 3; // undisposed readers: see ReaderLeakAsync
        outcome.Expected["pool-sprawl"] = 1;
        outcome.Info["directory"] = directory;
        outcome.Info["tenantPools"] = 6;
        outcome.Info["lockProbe"] = SqliteFiles.ProbeWrite(lockedFiles[0]);
        return Task.FromResult(outcome);
    }

    /// <summary>One leaked transaction per file: SQLite allows one writer per database file.</summary>
    public static List<string> LeakTransactions(string directory, int count)
    {
        var files = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var file = Path.Combine(directory, $"orders-{i}.db");
            SqliteFiles.CreateTable(file, rows: 0);
            RequestPipeline.Handle(() => LeakTransaction(SqliteFiles.ConnectionString(file), i));
            files.Add(file);
        }

        return files;
    }

    public static void LeakReaders(string directory, int count, bool distinctFiles)
    {
        for (var i = 0; i < count; i++)
        {
            var file = Path.Combine(directory, distinctFiles ? $"catalog-{i}.db" : "catalog.db");
            if (i == 0 || distinctFiles)
            {
                SqliteFiles.CreateTable(file, rows: 100);
            }

            LeakReader(SqliteFiles.ConnectionString(file));
        }
    }

    /// <summary>One connection string, hence one driver-managed pool, per tenant; each used properly.</summary>
    public static void UseEveryTenant(string directory, int count)
    {
        for (var i = 0; i < count; i++)
        {
            SqliteFiles.CreateTable(Path.Combine(directory, $"tenant-{i}.db"), rows: 1);
        }
    }

    /// <summary>
    /// Writes done right, each in its own connection and committed transaction, all disposed: the pool keeps one idle
    /// connection. They run to the end before the handshake, so the snapshot never sees one in progress.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void WorkProperly(string directory, int rounds)
    {
        var file = Path.Combine(directory, "worker.db");
        SqliteFiles.CreateTable(file, rows: 0);
        var connectionString = SqliteFiles.ConnectionString(file);
        for (var round = 0; round < rounds; round++)
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var transaction = connection.BeginTransaction();
            using var command = new SqliteCommand("INSERT INTO items (payload) VALUES ($payload)", connection, transaction);
            command.Parameters.AddWithValue("$payload", round);
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakTransaction(string connectionString, int request)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        var transaction = connection.BeginTransaction();
        var command = new SqliteCommand("INSERT INTO items (payload) VALUES ($payload)", connection, transaction);
        command.Parameters.AddWithValue("$payload", request);
        command.ExecuteNonQuery();
        throw new InvalidOperationException($"request {request}: validation failed after the order was written");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void LeakReader(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        var command = new SqliteCommand("SELECT id, payload FROM items ORDER BY id", connection);
        var reader = command.ExecuteReader();
        reader.Read();
        _ = reader.GetInt64(0);
    }
}

/// <summary>Database files, connection strings and the lock probe of the SQLite scenarios.</summary>
public static class SqliteFiles
{
    static SqliteFiles() => SQLitePCL.Batteries_V2.Init();

    /// <summary>--sqlite-dir, or a fresh temp directory that is deleted when the app exits.</summary>
    public static string ResolveDirectory(AppOptions options, BackgroundWork background)
    {
        var requested = options.GetString("sqlite-dir");
        if (requested is not null)
        {
            Directory.CreateDirectory(requested);
            return Path.GetFullPath(requested);
        }

        var fresh = Directory.CreateTempSubdirectory("dbdoctor-testapp-").FullName;
        background.OnStopped(() => Directory.Delete(fresh, recursive: true));
        return fresh;
    }

    public static string ConnectionString(string file) =>
        new SqliteConnectionStringBuilder { DataSource = file, Pooling = true }.ToString();

    public static void CreateTable(string file, int rows)
    {
        using var connection = new SqliteConnection(ConnectionString(file));
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var create = new SqliteCommand(
            "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, payload INTEGER NOT NULL)", connection, transaction);
        create.ExecuteNonQuery();
        using var insert = new SqliteCommand("INSERT INTO items (payload) VALUES ($payload)", connection, transaction);
        var payload = insert.Parameters.Add("$payload", SqliteType.Integer);
        for (var row = 0; row < rows; row++)
        {
            payload.Value = row;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Tries to write to a file from a fresh, unpooled connection with a 1 s busy timeout and says what happened.</summary>
    public static JsonObject ProbeWrite(string file)
    {
        var probe = new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString();
        var started = DateTime.UtcNow;
        try
        {
            using var connection = new SqliteConnection(probe);
            connection.Open();
            using var command = new SqliteCommand("INSERT INTO items (payload) VALUES (-1)", connection) { CommandTimeout = 1 };
            command.ExecuteNonQuery();
            return new JsonObject { ["file"] = file, ["result"] = "write succeeded", ["seconds"] = Elapsed(started) };
        }
        catch (SqliteException e)
        {
            return new JsonObject
            {
                ["file"] = file,
                ["result"] = e.Message,
                ["sqliteErrorCode"] = e.SqliteErrorCode,
                ["seconds"] = Elapsed(started),
            };
        }
    }

    private static double Elapsed(DateTime started) => Math.Round((DateTime.UtcNow - started).TotalSeconds, 2);
}
