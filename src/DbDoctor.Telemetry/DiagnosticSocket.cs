using System.Globalization;
using System.Net.Sockets;
using DbDoctor.Model;

namespace DbDoctor.Telemetry;

/// <summary>
/// Finds and checks the runtime's diagnostic socket ($TMPDIR/dotnet-diagnostic-&lt;pid&gt;-&lt;key&gt;-socket) ourselves,
/// because DiagnosticsClient.GetPublishedProcesses throws on hosts where /proc/2/environ is unreadable.
/// </summary>
public static class DiagnosticSocket
{
    private const string Prefix = "dotnet-diagnostic-";
    private const string Suffix = "-socket";
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Directory the runtime publishes its sockets in; tool and target must agree on TMPDIR.</summary>
    public static string Directory => Path.GetTempPath();

    /// <summary>Pid to newest socket path, for every socket file whose process is still alive.</summary>
    public static IReadOnlyDictionary<int, string> FindLiveSockets()
    {
        var newest = new Dictionary<int, FileInfo>();
        IEnumerable<FileInfo> files;
        try
        {
            files = new DirectoryInfo(Directory).EnumerateFiles(Prefix + "*" + Suffix);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Dictionary<int, string>();
        }

        foreach (var file in files)
        {
            var pid = ParsePid(file.Name);
            if (pid is null || !ProcessExists(pid.Value))
            {
                continue; // a stale socket left by a process that died without cleaning up
            }

            if (!newest.TryGetValue(pid.Value, out var known) || file.LastWriteTimeUtc > known.LastWriteTimeUtc)
            {
                newest[pid.Value] = file;
            }
        }

        return newest.ToDictionary(kv => kv.Key, kv => kv.Value.FullName);
    }

    /// <summary>Parses the pid out of a socket file name, or null when the name is not a diagnostic socket.</summary>
    public static int? ParsePid(string fileName)
    {
        if (!fileName.StartsWith(Prefix, StringComparison.Ordinal) || !fileName.EndsWith(Suffix, StringComparison.Ordinal))
        {
            return null;
        }

        var middle = fileName[Prefix.Length..^Suffix.Length];
        var dash = middle.IndexOf('-', StringComparison.Ordinal);
        var pidText = dash < 0 ? middle : middle[..dash];
        return int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
    }

    public static bool ProcessExists(int pid) => pid > 0 && System.IO.Directory.Exists($"/proc/{pid}");

    /// <summary>
    /// Checks that <paramref name="pid"/> is a live .NET process whose diagnostic socket answers, or throws
    /// <see cref="DbDoctorInputException"/> with one sentence saying why it cannot be attached.
    /// </summary>
    public static void EnsureAttachable(int pid)
    {
        if (!ProcessExists(pid))
        {
            throw new DbDoctorInputException($"No process with id {pid} is running.");
        }

        if (!FindLiveSockets().TryGetValue(pid, out var socketPath))
        {
            if (!CanReadProcFile(pid, "maps"))
            {
                throw new DbDoctorInputException(AccessDenial.Describe(pid, Directory));
            }

            if (TargetTempDirectory.WithSocketOf(pid) is { } theirs && Path.GetFullPath(theirs) != Path.GetFullPath(Directory))
            {
                throw new DbDoctorInputException(
                    $"Process {pid} has no diagnostic socket in {Directory}, but its temporary folder {theirs} holds one: " +
                    $"run dbdoctor with TMPDIR={theirs} (tool and target must share TMPDIR).");
            }

            throw new DbDoctorInputException(
                $"Process {pid} is not an attachable .NET process: it has no diagnostic socket in {Directory} " +
                "(not .NET, DOTNET_EnableDiagnostics=0, or a different TMPDIR).");
        }

        var failure = Probe(socketPath);
        if (failure is not null)
        {
            // Another user's socket: say whose it is and whom to run as, not just "permission denied".
            throw new DbDoctorInputException(failure.Contains("permission denied", StringComparison.Ordinal) && AccessDenial.OwnerIfAnotherUsers(pid) is not null
                ? AccessDenial.Describe(pid, Directory)
                : $"The diagnostic socket of process {pid} {failure}.");
        }
    }

    /// <summary>Connects to the socket and hangs up; returns null if it answered, else why not (a sentence fragment).</summary>
    public static string? Probe(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            var connect = socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            if (!connect.Wait(ConnectTimeout))
            {
                return $"did not answer within {ConnectTimeout.TotalSeconds:0} s";
            }

            return null;
        }
        catch (AggregateException e) when (e.InnerException is SocketException se)
        {
            return Describe(se);
        }
        catch (SocketException se)
        {
            return Describe(se);
        }
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AccessDenied => "cannot be opened: permission denied (run dbdoctor as the same user as the target)",
        SocketError.ConnectionRefused => "refused the connection (the runtime is not listening)",
        _ => $"cannot be opened ({e.SocketErrorCode})",
    };

    internal static bool CanReadProcFile(int pid, string name)
    {
        try
        {
            using var stream = File.OpenRead($"/proc/{pid}/{name}");
            return stream.ReadByte() >= -1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
