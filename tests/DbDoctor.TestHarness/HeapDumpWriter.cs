using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;

namespace DbDoctor.TestHarness;

/// <summary>Heap dumps (<see cref="DumpType.WithHeap"/>) written by the target's own runtime through its diagnostic socket.</summary>
public static class HeapDumpWriter
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Writes a heap dump of a running .NET process (the caller owns the file) and returns how long WriteDump took: the
    /// target is paused while the file is written, and only then.
    /// </summary>
    public static async Task<TimeSpan> WriteAsync(int pid, string path, TimeSpan? timeout = null)
    {
        var client = new DiagnosticsClient(pid);
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        var watch = Stopwatch.StartNew();
        await client.WriteDumpAsync(DumpType.WithHeap, path, logDumpGeneration: false, deadline.Token).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        return File.Exists(path) ? elapsed : throw new InvalidOperationException($"The runtime of process {pid} reported a dump at {path}, but there is no file.");
    }
}
