using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DbDoctor.TestHarness;

/// <summary>
/// A private PostgreSQL 15 for the test run: its own data directory, port and socket directory, password (scram)
/// authentication for a user whose password has special characters, a database and the scenarios' table.
/// Stopped (immediate) and deleted on dispose. DbDoctor.EndToEnd starts one per test run as its "postgres" collection
/// fixture; the benchmark starts one when it needs to write a dump or run its fixed-rate target.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";
    public const string UserName = "dbdoctor_admin";
    public const string DatabaseName = "dbdoctor";
    public const string TableName = "dbdoctor_items";

    /// <summary>Special characters on purpose: connection-string quoting, and a needle tests search dbdoctor's output for.</summary>
    public const string Password = "Pg;s3cr=t'Pw!";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly string rootDirectory;
    private readonly string dataDirectory;
    private bool disposed;

    /// <summary>The default server (as the end-to-end tests' "postgres" collection fixture creates it).</summary>
    public PostgresServer() : this(new Dictionary<string, string>())
    {
    }

    private PostgresServer(IReadOnlyDictionary<string, string> settings)
    {
        var initdb = Path.Combine(BinDirectory, "initdb");
        if (!File.Exists(initdb))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed: {initdb} is missing (apt-get install postgresql-15).");
        }

        rootDirectory = Directory.CreateTempSubdirectory("dbdoctor-pg-").FullName;
        dataDirectory = Path.Combine(rootDirectory, "data");
        var socketDirectory = Directory.CreateDirectory(Path.Combine(rootDirectory, "socket")).FullName;
        try
        {
            Port = FreeTcpPort();
            var passwordFile = Path.Combine(rootDirectory, "password");
            File.WriteAllText(passwordFile, Password + "\n");
            GiveToPostgresUser(rootDirectory);
            RunAsPostgres(initdb, "-D", dataDirectory, "-U", UserName, "--pwfile=" + passwordFile,
                "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions");
            File.Delete(passwordFile);

            var configuration = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["listen_addresses"] = "127.0.0.1",
                ["port"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["unix_socket_directories"] = socketDirectory,
                ["max_connections"] = "200",
                ["fsync"] = "off",
                ["synchronous_commit"] = "off",
                ["full_page_writes"] = "off",
            };
            foreach (var (name, value) in settings)
            {
                configuration[name] = value;
            }

            File.AppendAllLines(Path.Combine(dataDirectory, "postgresql.conf"),
                configuration.Select(s => $"{s.Key} = '{s.Value.Replace("'", "''", StringComparison.Ordinal)}'"));
            RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), "start", "-w", "-t", "60", "-D", dataDirectory,
                "-l", Path.Combine(rootDirectory, "server.log"));

            CreateDatabase();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A second server with extra settings, e.g. <c>["idle_session_timeout"] = "3s"</c>. Dispose it.</summary>
    public static PostgresServer Start(IReadOnlyDictionary<string, string> settings) => new(settings);

    public int Port { get; }

    /// <summary>Connection string for the scenarios' database, with the password.</summary>
    public string ConnectionString => ConnectionStringFor(DatabaseName);

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = UserName,
        Password = Password,
        Timeout = 15,
    }.ConnectionString;

    /// <summary>The server's log so far (for failure messages).</summary>
    public string ReadLog()
    {
        var log = Path.Combine(rootDirectory, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    /// <summary>
    /// Sessions in pg_stat_activity whose application_name matches <paramref name="applicationNamePattern"/>
    /// (SQL LIKE), optionally only those in <paramref name="state"/> (e.g. "idle in transaction", "idle", "active").
    /// </summary>
    public int CountSessions(string applicationNamePattern, string? state = null)
    {
        return (int)Scalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE @pattern AND (@state::text IS NULL OR state = @state)",
            ("pattern", applicationNamePattern), ("state", (object?)state ?? DBNull.Value));
    }

    /// <summary>Sessions of the application whose last query starts with <paramref name="queryPrefix"/>.</summary>
    public int CountSessionsWithQuery(string applicationNamePattern, string queryPrefix)
    {
        return (int)Scalar<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE @pattern AND starts_with(query, @prefix)",
            ("pattern", applicationNamePattern), ("prefix", queryPrefix));
    }

    /// <summary>The sessions (backend pid, state, last query) of pg_stat_activity whose application_name matches the LIKE pattern.</summary>
    public IReadOnlyList<ServerSession> Sessions(string applicationNamePattern)
    {
        using var connection = OpenFixtureConnection();
        using var command = new NpgsqlCommand(
            "SELECT pid, application_name, coalesce(state, ''), coalesce(query, '') FROM pg_stat_activity WHERE application_name LIKE @pattern ORDER BY pid",
            connection);
        command.Parameters.AddWithValue("pattern", applicationNamePattern);
        using var reader = command.ExecuteReader();
        var sessions = new List<ServerSession>();
        while (reader.Read())
        {
            sessions.Add(new ServerSession(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return sessions;
    }

    /// <summary>Polls <paramref name="read"/> until it returns <paramref name="expected"/> or the timeout passes; returns the last value.</summary>
    public static async Task<int> WaitForAsync(Func<int> read, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var value = read();
        while (value != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            value = read();
        }

        return value;
    }

    public T Scalar<T>(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenFixtureConnection();
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)command.ExecuteScalar()!;
    }

    public void Execute(string sql)
    {
        using var connection = OpenFixtureConnection();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Unpooled, so the fixture's own queries leave no session behind.</summary>
    private NpgsqlConnection OpenFixtureConnection()
    {
        var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false;Application Name=dbdoctor-e2e-fixture");
        connection.Open();
        return connection;
    }

    private void CreateDatabase()
    {
        using (var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false"))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", connection);
            create.ExecuteNonQuery();
        }

        Execute($"CREATE TABLE {TableName} (id bigserial PRIMARY KEY, tenant text NOT NULL, payload int NOT NULL, created timestamptz NOT NULL DEFAULT now())");
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>initdb and pg_ctl refuse to run as root: as root, the server's files and processes belong to "postgres".</summary>
    private static bool RunningAsRoot => Environment.IsPrivilegedProcess;

    private static void GiveToPostgresUser(string directory)
    {
        if (RunningAsRoot)
        {
            Run("chown", "-R", "postgres:postgres", directory);
        }
    }

    private static void RunAsPostgres(string program, params string[] arguments)
    {
        if (RunningAsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", program, .. arguments]);
        }
        else
        {
            Run(program, arguments);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        var result = ChildProcess.RunAsync(program, arguments, CommandTimeout).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(' ', arguments.Prepend(program))} failed with exit code {result.ExitCode}: {result.Stderr}{result.Stdout}");
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
        {
            try
            {
                RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), "stop", "-m", "immediate", "-w", "-D", dataDirectory);
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"Could not stop the test PostgreSQL server: {e.Message}");
            }
        }

        Directory.Delete(rootDirectory, recursive: true);
    }
}

/// <summary>One row of pg_stat_activity: the server's own view of a client session.</summary>
public sealed record ServerSession(int Pid, string ApplicationName, string State, string Query);
