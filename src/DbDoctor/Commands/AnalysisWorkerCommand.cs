using System.CommandLine;
using DbDoctor.Heap.Isolation;

namespace DbDoctor.Commands;

/// <summary>Hidden: the child process that analyses one dump for <c>dump</c>, <c>attach</c> and <c>demo</c> (IsolatedHeapAnalysis).</summary>
public static class AnalysisWorkerCommand
{
    public const string Name = "analysis-worker";

    public static Command Create()
    {
        var dump = new Argument<string>("dump-file");
        var symbols = new Argument<string>("symbol-cache");
        var maxSql = new Argument<int>("max-sql");
        var symbolDirectories = new Option<string[]>(HeapWorker.SymbolsOption) { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(Name, "Internal: analyse one dump and answer on stdout.") { Hidden = true };
        command.Arguments.Add(dump);
        command.Arguments.Add(symbols);
        command.Arguments.Add(maxSql);
        command.Options.Add(symbolDirectories);
        command.SetAction(parse => HeapWorker.Run(parse.GetValue(dump)!, parse.GetValue(symbols)!, parse.GetValue(maxSql), parse.GetValue(symbolDirectories) ?? []));
        return command;
    }
}
