using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MySqlConnector;

namespace DbDoctor.TestHarness;

/// <summary>
/// A private MariaDB (Debian's mariadb-server, 10.11) for the test run: its own data directory, port, socket and pid
/// file, run as the "mysql" user, a password-authenticated admin user whose password has special characters. Scenarios
/// each use a database of their own (the test app creates it), so the server's view of one scenario is
/// <c>information_schema.processlist</c> filtered by that database. Stopped (killed) and deleted on dispose.
/// </summary>
public sealed class MariaDbServer : IDisposable
{
    public const string ServerProgram = "/usr/sbin/mariadbd";
    public const string InstallProgram = "/usr/bin/mariadb-install-db";
    public const string UserName = "dbdoctor_admin";

    /// <summary>Special characters on purpose: connection-string quoting, and a needle tests search dbdoctor's output for.</summary>
    public const string Password = "My;s3cr=t'Pw!";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly string rootDirectory;
    private readonly Process? server;
    private bool disposed;

    /// <summary>The default server (as the end-to-end tests' "mariadb" collection fixture creates it).</summary>
    public MariaDbServer() : this(new Dictionary<string, string>())
    {
    }

    private MariaDbServer(IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(ServerProgram) || !File.Exists(InstallProgram))
        {
            throw new InvalidOperationException($"MariaDB is not installed: {ServerProgram} is missing (apt-get install mariadb-server).");
        }

        rootDirectory = Directory.CreateTempSubdirectory("dbdoctor-mariadb-").FullName;
        var dataDirectory = Path.Combine(rootDirectory, "data");
        try
        {
            Port = FreeTcpPort();
            // A temporary directory of its own: bootstraps running at once (other test classes, other checkouts) name
            // their temporary tables after the process id and collide in a shared /tmp.
            var temporaryDirectory = Path.Combine(rootDirectory, "tmp");
            Directory.CreateDirectory(temporaryDirectory);
            GiveToMysqlUser(rootDirectory);
            Run(InstallProgram, "--no-defaults", "--datadir=" + dataDirectory, "--tmpdir=" + temporaryDirectory, "--user=mysql",
                "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve");

            var options = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["datadir"] = dataDirectory,
                ["tmpdir"] = temporaryDirectory,
                ["port"] = Port.ToString(CultureInfo.InvariantCulture),
                ["bind-address"] = "127.0.0.1",
                ["socket"] = Path.Combine(rootDirectory, "mariadb.sock"),
                ["pid-file"] = Path.Combine(rootDirectory, "mariadb.pid"),
                ["log-error"] = Path.Combine(rootDirectory, "server.log"),
                ["skip-name-resolve"] = "",
                ["max-connections"] = "300",
                ["innodb-buffer-pool-size"] = "32M",
                ["innodb-log-file-size"] = "16M",
                ["innodb-flush-log-at-trx-commit"] = "0",
                ["performance-schema"] = "OFF",
            };
            foreach (var (name, value) in settings)
            {
                options[name] = value;
            }

            var arguments = new List<string> { "--no-defaults" };
            arguments.AddRange(options.Select(o => o.Value.Length == 0 ? $"--{o.Key}" : $"--{o.Key}={o.Value}"));
            if (Environment.IsPrivilegedProcess)
            {
                arguments.Add("--user=mysql");
            }

            var info = ChildProcess.StartInfo(ServerProgram, arguments);
            info.RedirectStandardInput = false;
            server = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {ServerProgram}.");
            server.OutputDataReceived += (_, _) => { };
            server.ErrorDataReceived += (_, _) => { };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            WaitUntilAcceptingConnections();
            CreateAdminUser();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A second server with extra options, e.g. <c>["wait-timeout"] = "3"</c>. Dispose it.</summary>
    public static MariaDbServer Start(IReadOnlyDictionary<string, string> settings) => new(settings);

    public int Port { get; }

    /// <summary>The mariadbd process id (its log and its own view, for failure messages).</summary>
    public int ServerPid => server?.Id ?? 0;

    /// <summary>Connection string of the admin user for <paramref name="database"/>, with the password.</summary>
    public string ConnectionStringFor(string database) => new MySqlConnectionStringBuilder
    {
        Server = "127.0.0.1",
        Port = (uint)Port,
        Database = database,
        UserID = UserName,
        Password = Password,
        ConnectionTimeout = 15,
    }.ConnectionString;

    /// <summary>The server's error log so far (for failure messages).</summary>
    public string ReadLog()
    {
        var log = Path.Combine(rootDirectory, "server.log");
        return File.Exists(log) ? File.ReadAllText(log) : "";
    }

    /// <summary>The client threads of information_schema.processlist whose current database matches the LIKE pattern.</summary>
    public IReadOnlyList<MariaDbThread> Threads(string databasePattern)
    {
        var threads = new List<MariaDbThread>();
        Query(
            "SELECT ID, COALESCE(DB, ''), COMMAND, TIME, COALESCE(INFO, '') FROM information_schema.processlist WHERE DB LIKE @pattern ORDER BY ID",
            reader => threads.Add(new MariaDbThread(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4))),
            ("pattern", databasePattern));
        return threads;
    }

    /// <summary>Open InnoDB transactions (information_schema.innodb_trx) of the threads whose current database matches.</summary>
    public IReadOnlyList<MariaDbTransaction> Transactions(string databasePattern)
    {
        var transactions = new List<MariaDbTransaction>();
        Query(
            "SELECT t.trx_mysql_thread_id, t.trx_state, t.trx_rows_locked, t.trx_started FROM information_schema.innodb_trx t "
            + "JOIN information_schema.processlist p ON p.ID = t.trx_mysql_thread_id WHERE p.DB LIKE @pattern ORDER BY t.trx_mysql_thread_id",
            reader => transactions.Add(new MariaDbTransaction(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetDateTime(3))),
            ("pattern", databasePattern));
        return transactions;
    }

    public T Scalar<T>(string sql)
    {
        using var connection = OpenFixtureConnection();
        using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    public void Execute(string sql)
    {
        using var connection = OpenFixtureConnection();
        using var command = new MySqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private void Query(string sql, Action<MySqlDataReader> row, params (string Name, object Value)[] parameters)
    {
        using var connection = OpenFixtureConnection();
        using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    /// <summary>Unpooled and without a database, so the fixture's own queries never show among a scenario's threads.</summary>
    private MySqlConnection OpenFixtureConnection()
    {
        var connection = new MySqlConnection(ConnectionStringFor("") + ";Pooling=false");
        connection.Open();
        return connection;
    }

    private void WaitUntilAcceptingConnections()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        var root = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)Port, UserID = "root", Pooling = false, ConnectionTimeout = 2 }.ConnectionString;
        while (true)
        {
            if (server!.HasExited)
            {
                throw new InvalidOperationException($"mariadbd exited with code {server.ExitCode} while starting:\n{ReadLog()}");
            }

            try
            {
                using var connection = new MySqlConnection(root);
                connection.Open();
                return;
            }
            catch (MySqlException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200); // still starting: the port is not open yet
            }
        }
    }

    private void CreateAdminUser()
    {
        var root = new MySqlConnectionStringBuilder { Server = "127.0.0.1", Port = (uint)Port, UserID = "root", Pooling = false }.ConnectionString;
        using var connection = new MySqlConnection(root);
        connection.Open();
        // MySqlConnector substitutes parameters client-side, so the password is quoted for us even in DDL.
        using var create = new MySqlCommand($"CREATE USER '{UserName}'@'127.0.0.1' IDENTIFIED BY @password; GRANT ALL ON *.* TO '{UserName}'@'127.0.0.1'", connection);
        create.Parameters.AddWithValue("password", Password);
        create.ExecuteNonQuery();
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>mariadbd refuses to run as root unless told a user: as root, its files and process belong to "mysql".</summary>
    private static void GiveToMysqlUser(string directory)
    {
        if (Environment.IsPrivilegedProcess)
        {
            Run("chown", "-R", "mysql:mysql", directory);
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
        MySqlConnection.ClearAllPools();
        if (server is not null)
        {
            if (!server.HasExited)
            {
                // Nothing on it outlives the run: no clean shutdown needed, and kill does not wait for client sessions.
                server.Kill(entireProcessTree: true);
                server.WaitForExit();
            }

            server.Dispose();
        }

        Directory.Delete(rootDirectory, recursive: true);
    }
}

/// <summary>One client thread of information_schema.processlist: the server's own view of a session.</summary>
public sealed record MariaDbThread(long Id, string Database, string Command, long TimeSeconds, string Info);

/// <summary>One row of information_schema.innodb_trx: an open InnoDB transaction and the thread it belongs to.</summary>
public sealed record MariaDbTransaction(long ThreadId, string State, long RowsLocked, DateTime Started);
