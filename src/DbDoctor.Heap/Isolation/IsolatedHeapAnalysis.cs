using System.Diagnostics;
using System.Globalization;
using DbDoctor.Heap.Input;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Heap.Isolation;

/// <summary>How to start the analysis worker: dbdoctor's own executable (and, under the dotnet host, its dll).</summary>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments);

/// <summary>
/// Analyses a dump in a child process. The runtime's data access library is native code that trusts the dump: a
/// corrupt one can make it crash (SIGSEGV), make ClrMD recurse until the stack overflows, or loop. None of that can be
/// caught inside a .NET process, so the analysis runs in a worker whose death, or silence past a deadline, is answered
/// as what it is: a dump that cannot be read (exit 2), with the worker's temporary files removed.
/// </summary>
public static class IsolatedHeapAnalysis
{
    public const string TimeoutVariable = "DBDOCTOR_ANALYSIS_TIMEOUT";
    private const int StderrLinesKept = 40;

    public static async Task<HeapFacts> AnalyzeDumpAsync(
        string dumpPath, HeapAnalysisOptions options, IProgress<string>? progress, WorkerCommand worker, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(worker);
        DumpFileCheck.Validate(dumpPath);
        var scratch = PrivateTemp.Create("dbdoctor-analysis-");
        try
        {
            return await RunWorkerAsync(Path.GetFullPath(dumpPath), options, progress, worker, scratch, ct).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<HeapFacts> RunWorkerAsync(
        string dumpPath, HeapAnalysisOptions options, IProgress<string>? progress, WorkerCommand worker, string scratch, CancellationToken ct)
    {
        var start = new ProcessStartInfo(worker.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in worker.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(dumpPath);
        start.ArgumentList.Add(Path.Combine(scratch, "symbols"));
        start.ArgumentList.Add(options.MaxSqlLength.ToString(CultureInfo.InvariantCulture));
        foreach (var directory in options.SymbolDirectories)
        {
            start.ArgumentList.Add(HeapWorker.SymbolsOption);
            start.ArgumentList.Add(directory);
        }

        // A stack overflow or crash of the worker must not write a core file of dbdoctor next to the user's dump.
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        // Nor may a killed worker (timeout, Ctrl+C) leave its diagnostic socket and debugger pipes in TMPDIR: it needs neither.
        start.Environment["DOTNET_EnableDiagnostics"] = "0";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the analysis worker {worker.FileName}.");
        process.StandardInput.Close();
        var stderrTail = new Queue<string>();
        var stderr = DrainAsync(process.StandardError, stderrTail);
        WorkerMessage? answer = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timeout = Timeout(dumpPath);
        deadline.CancelAfter(timeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(deadline.Token).ConfigureAwait(false) is { } line)
            {
                switch (WorkerMessage.Parse(line))
                {
                    case { Kind: WorkerMessage.ProgressKind, Message: { } text }:
                        progress?.Report(text);
                        break;
                    case { } message when message.Kind != WorkerMessage.ProgressKind:
                        answer = message;
                        break;
                }
            }

            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await stderr.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            throw new DbDoctorInputException(
                $"The analysis of '{dumpPath}' did not finish within {timeout.TotalSeconds:0} s, so the dump is taken as unreadable (a corrupt dump can make the runtime's data reader loop; {TimeoutVariable}=<seconds> allows longer).");
        }

        return answer switch
        {
            { Kind: WorkerMessage.FactsKind, Facts: { } facts } => facts,
            { Kind: WorkerMessage.InputKind, Message: { } message } => throw new DbDoctorInputException(message),
            { Kind: WorkerMessage.InternalKind } => throw new AnalysisWorkerException(answer.Message ?? "the analysis failed", answer.Detail),
            _ => throw Crashed(dumpPath, process.ExitCode, stderrTail),
        };
    }

    /// <summary>The worker died without answering: the runtime's data access library or ClrMD crashed on the dump.</summary>
    private static DbDoctorInputException Crashed(string dumpPath, int exitCode, Queue<string> stderrTail)
    {
        var how = exitCode > 128 ? $"signal {exitCode - 128}" : $"exit code {exitCode}";
        var message = $"'{dumpPath}' is a corrupt dump: the .NET runtime's data in it could not be read (the analysis crashed with {how}).";
        if (Environment.GetEnvironmentVariable("DBDOCTOR_DEBUG") == "1")
        {
            Console.Error.WriteLine(string.Join('\n', stderrTail));
        }

        return new DbDoctorInputException(message);
    }

    /// <summary>Generous: the walk runs at ~50 ns per object (bench/RESULTS.md); a loaded machine is ten times slower.</summary>
    private static TimeSpan Timeout(string dumpPath)
    {
        if (double.TryParse(Environment.GetEnvironmentVariable(TimeoutVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        var gib = new FileInfo(dumpPath).Length / (double)(1L << 30);
        return TimeSpan.FromSeconds(300 + (120 * gib));
    }

    /// <summary>Keeps the last lines only: a stack overflow prints tens of thousands.</summary>
    private static async Task DrainAsync(StreamReader reader, Queue<string> tail)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            tail.Enqueue(line);
            if (tail.Count > StderrLinesKept)
            {
                tail.Dequeue();
            }
        }
    }
}

/// <summary>A bug inside the analysis worker: its message, and its stack trace as the worker saw it.</summary>
public sealed class AnalysisWorkerException(string message, string? detail) : Exception(message)
{
    public override string ToString() => detail ?? base.ToString();
}
