using System.Diagnostics;
using DbDoctor.Model;
using Microsoft.Diagnostics.NETCore.Client;

namespace DbDoctor.Telemetry;

/// <summary>A heap dump of a live process. Disposing deletes it (and its private directory) unless it is kept.</summary>
public sealed class HeapSnapshot : IDisposable
{
    internal HeapSnapshot(string path, string? privateDirectory, TimeSpan targetPause, bool pauseMeasured, TimeSpan writeDuration)
    {
        Path = path;
        PrivateDirectory = privateDirectory;
        TargetPause = targetPause;
        PauseMeasured = pauseMeasured;
        WriteDuration = writeDuration;
    }

    public string Path { get; }

    /// <summary>How long the target was stopped: observed from its thread state when <see cref="PauseMeasured"/>,
    /// else the whole WriteDump call (an upper bound).</summary>
    public TimeSpan TargetPause { get; }
    public bool PauseMeasured { get; }

    /// <summary>Duration of the WriteDump request, from asking to the file being complete.</summary>
    public TimeSpan WriteDuration { get; }

    /// <summary>True when the caller asked to keep the dump: Dispose leaves it.</summary>
    public bool Keep => PrivateDirectory is null;

    private string? PrivateDirectory { get; }

    public void Dispose()
    {
        if (PrivateDirectory is not null && Directory.Exists(PrivateDirectory))
        {
            Directory.Delete(PrivateDirectory, recursive: true);
        }
    }
}

/// <summary>
/// Asks the target runtime to write a heap dump (its own createdump): the target pauses only while the dump is
/// written, unlike a ClrMD live attach that freezes it for the whole analysis.
/// </summary>
public static class HeapSnapshotter
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How long a cancelled snapshot waits for the runtime to finish the dump it already started.</summary>
    public static readonly TimeSpan CancelledWriteSettleLimit = TimeSpan.FromSeconds(20);

    /// <param name="keepPath">Where to keep the dump; null writes it to a private temporary directory deleted on Dispose.</param>
    /// <param name="ct">
    /// Cancels the wait, not the dump: the target's runtime goes on writing whatever dbdoctor does, so a cancelled
    /// snapshot waits (up to <see cref="CancelledWriteSettleLimit"/>) for it to finish, then removes its folder and
    /// throws <see cref="OperationCanceledException"/>.
    /// </param>
    public static async Task<HeapSnapshot> WriteAsync(int pid, string? keepPath, CancellationToken ct)
    {
        DiagnosticSocket.EnsureAttachable(pid);

        string? privateDirectory = null;
        string path;
        // The dump is written by the target's runtime, as the target's user: root snapshotting another user's process
        // lends that user the private folder for the write and takes it back before reading the dump.
        var (self, target) = (ProcessOwner.Current(), ProcessOwner.Of(pid));
        var lendTo = self is { IsRoot: true } && target is not null && target != self ? target : null;
        if (keepPath is null)
        {
            // 0700: a heap dump holds every secret the process has in memory (passwords, tokens, data).
            privateDirectory = Directory.CreateTempSubdirectory("dbdoctor-").FullName;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(privateDirectory, OwnerOnlyDirectory);
            }

            lendTo?.Own(privateDirectory);

            path = System.IO.Path.Combine(privateDirectory, $"dbdoctor-{pid}.dmp");
        }
        else
        {
            path = System.IO.Path.GetFullPath(keepPath);
            var directory = System.IO.Path.GetDirectoryName(path);
            if (directory is not null && !Directory.Exists(directory))
            {
                throw new DbDoctorInputException($"Cannot keep the dump at {path}: directory {directory} does not exist.");
            }
        }

        try
        {
            using var pauseWatch = new StopStateWatcher(pid);
            var clock = Stopwatch.StartNew();
            var writing = new DiagnosticsClient(pid).WriteDumpAsync(DumpType.WithHeap, path, logDumpGeneration: false, CancellationToken.None);
            try
            {
                await writing.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Removing the folder while createdump still writes could race with it creating the file: let it finish.
                await Task.WhenAny(writing, Task.Delay(CancelledWriteSettleLimit, CancellationToken.None)).ConfigureAwait(false);
                throw;
            }

            clock.Stop();
            var observedPause = pauseWatch.Finish();
            if (lendTo is not null && privateDirectory is not null)
            {
                // Folder first: from then on the target's user can no longer replace the file it wrote.
                TakeBack(self!, privateDirectory, path);
            }

            if (!File.Exists(path))
            {
                throw new DbDoctorInputException($"Process {pid} reported success but wrote no dump at {path}.");
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, OwnerOnlyFile);
            }

            return new HeapSnapshot(path, privateDirectory, observedPause ?? clock.Elapsed, observedPause is not null, clock.Elapsed);
        }
        catch (Exception e) when (e is ServerErrorException or ServerNotAvailableException or UnauthorizedAccessException or IOException)
        {
            DeletePrivateDirectory(privateDirectory);
            var hint = target is not null && target != self && keepPath is not null
                ? $" (the target runs as user {target.Uid} and writes the dump itself: --keep-dump needs a folder that user can write to)"
                : target is not null && target != self
                    ? $" (the target runs as user {target.Uid} and writes the dump itself: run dbdoctor as that user or as root, with a TMPDIR that user can reach)"
                    : "";
            throw new DbDoctorInputException($"Process {pid} could not write a heap dump: {e.Message.TrimEnd()}{hint}", e);
        }
        catch
        {
            DeletePrivateDirectory(privateDirectory);
            throw;
        }
    }

    /// <summary>Gives the lent folder and the dump back to dbdoctor's user, refusing anything but a plain file.</summary>
    private static void TakeBack(ProcessOwner self, string privateDirectory, string path)
    {
        self.Own(privateDirectory);
        var written = new FileInfo(path);
        if (!written.Exists)
        {
            return;
        }

        if (written.LinkTarget is not null || written.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            throw new DbDoctorInputException($"The dump at {path} is not a plain file (a symbolic link was put in its place): refused.");
        }

        self.Own(path);
    }

    private static void DeletePrivateDirectory(string? privateDirectory)
    {
        if (privateDirectory is not null && Directory.Exists(privateDirectory))
        {
            Directory.Delete(privateDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Polls the target's main-thread state: createdump ptrace-stops every thread, which /proc shows as 't'
    /// (tracing stop). First to last stopped observation is the pause, to within the poll interval.
    /// </summary>
    private sealed class StopStateWatcher : IDisposable
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);
        private readonly int _pid;
        private readonly Thread _thread;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private volatile bool _done;
        private TimeSpan? _firstStopped;
        private TimeSpan? _lastStopped;

        public StopStateWatcher(int pid)
        {
            _pid = pid;
            _thread = new Thread(Poll) { IsBackground = true, Name = "dbdoctor-pause-watch" };
            _thread.Start();
        }

        public TimeSpan? Finish()
        {
            _done = true;
            _thread.Join();
            return _firstStopped is { } first && _lastStopped is { } last ? last - first + PollInterval : null;
        }

        public void Dispose()
        {
            _done = true;
        }

        private void Poll()
        {
            while (!_done)
            {
                if (ProcStat.Read(_pid) is { IsStopped: true })
                {
                    _firstStopped ??= _clock.Elapsed;
                    _lastStopped = _clock.Elapsed;
                }

                Thread.Sleep(PollInterval);
            }
        }
    }
}
