using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace DbDoctor.Bench;

/// <summary>
/// A private PostgreSQL 15 for one benchmark run (own data directory, port and socket directory, scram password),
/// the same setup as tests/DbDoctor.EndToEnd's PostgresServer. Stopped (immediate) and deleted on dispose.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private const string BinDirectory = "/usr/lib/postgresql/15/bin";
    private const string UserName = "dbdoctor_bench";
    private const string DatabaseName = "dbdoctor";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string rootDirectory;
    private readonly string dataDirectory;
    private readonly string password = "Bench;pw=" + Guid.NewGuid().ToString("N")[..8];
    private bool disposed;

    private PrivatePostgres()
    {
        rootDirectory = Directory.CreateTempSubdirectory("dbdoctor-bench-pg-").FullName;
        dataDirectory = Path.Combine(rootDirectory, "data");
    }

    public int Port { get; private set; }

    public string ConnectionString => ConnectionStringFor(DatabaseName);

    public static async Task<PrivatePostgres> StartAsync()
    {
        var initdb = Path.Combine(BinDirectory, "initdb");
        if (!File.Exists(initdb))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed: {initdb} is missing (apt-get install postgresql-15).");
        }

        var server = new PrivatePostgres();
        try
        {
            await server.InitializeAsync(initdb).ConfigureAwait(false);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    private async Task InitializeAsync(string initdb)
    {
        var socketDirectory = Directory.CreateDirectory(Path.Combine(rootDirectory, "socket")).FullName;
        Port = FreeTcpPort();
        var passwordFile = Path.Combine(rootDirectory, "password");
        await File.WriteAllTextAsync(passwordFile, password + "\n").ConfigureAwait(false);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", "-R", "postgres:postgres", rootDirectory).ConfigureAwait(false);
        }

        await RunAsPostgresAsync(initdb, "-D", dataDirectory, "-U", UserName, "--pwfile=" + passwordFile,
            "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--no-instructions").ConfigureAwait(false);
        File.Delete(passwordFile);
        string[] settings =
        [
            "listen_addresses = '127.0.0.1'",
            $"port = {Port.ToString(CultureInfo.InvariantCulture)}",
            $"unix_socket_directories = '{socketDirectory}'",
            "max_connections = 200",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
        ];
        await File.AppendAllLinesAsync(Path.Combine(dataDirectory, "postgresql.conf"), settings).ConfigureAwait(false);
        await RunAsPostgresAsync(Path.Combine(BinDirectory, "pg_ctl"), "start", "-w", "-t", "60", "-D", dataDirectory,
            "-l", Path.Combine(rootDirectory, "server.log")).ConfigureAwait(false);

        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync().ConfigureAwait(false);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {DatabaseName}", connection);
        await create.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = UserName,
        Password = password,
        Timeout = 15,
    }.ConnectionString;

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(string program, params string[] arguments) =>
        Environment.IsPrivilegedProcess ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var result = await ChildPrograms.RunAsync(program, arguments, CommandTimeout).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {result.ExitCode}: {result.Stderr}{result.Stdout}");
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
                RunAsPostgresAsync(Path.Combine(BinDirectory, "pg_ctl"), "stop", "-m", "immediate", "-w", "-D", dataDirectory).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"Could not stop the benchmark's PostgreSQL server: {e.Message}");
            }
        }

        Directory.Delete(rootDirectory, recursive: true);
    }
}
