using DbDoctor.Model;

namespace DbDoctor.Heap.Isolation;

/// <summary>
/// The child side of <see cref="IsolatedHeapAnalysis"/>: analyses one dump and answers in <see cref="WorkerMessage"/>
/// lines on standard output. A crash of the runtime's data access library ends only this process.
/// </summary>
public static class HeapWorker
{
    /// <summary>The worker's option naming one directory of <see cref="HeapAnalysisOptions.SymbolDirectories"/> (repeated).</summary>
    public const string SymbolsOption = "--symbols";

    public static int Run(string dumpPath, string symbolCache, int maxSqlLength, IReadOnlyList<string> symbolDirectories)
    {
        // Only the protocol may reach standard output: whatever else prints goes nowhere.
        var protocol = Console.Out;
        Console.SetOut(TextWriter.Null);
        var progress = new Progress(protocol);
        WorkerMessage answer;
        try
        {
            var options = new HeapAnalysisOptions { MaxSqlLength = maxSqlLength, SymbolCachePath = symbolCache, SymbolDirectories = symbolDirectories };
            answer = new WorkerMessage { Kind = WorkerMessage.FactsKind, Facts = HeapAnalyzer.AnalyzeDump(dumpPath, options, progress) };
        }
#pragma warning disable CA1031 // Every failure becomes an answer to the parent, classified as bad input or a bug.
        catch (Exception e)
#pragma warning restore CA1031
        {
            answer = FailureAnswer(dumpPath, e);
        }

        lock (protocol)
        {
            protocol.WriteLine(answer.ToLine());
            protocol.Flush();
        }

        return ExitCodes.Healthy;
    }

    /// <summary>A failed analysis as the parent must see it: bad input (exit 2) or a bug (exit 4), see <see cref="DumpReadFailure"/>.</summary>
    internal static WorkerMessage FailureAnswer(string dumpPath, Exception exception) =>
        DumpReadFailure.Classify(exception) == AnalysisFailure.UnreadableDump
            ? new WorkerMessage { Kind = WorkerMessage.InputKind, Message = DumpReadFailure.AsInput(dumpPath, exception).Message }
            : new WorkerMessage { Kind = WorkerMessage.InternalKind, Message = exception.Message, Detail = exception.ToString() };

    private sealed class Progress(TextWriter protocol) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (protocol)
            {
                protocol.WriteLine(WorkerMessage.ProgressLine(value));
                protocol.Flush();
            }
        }
    }
}
