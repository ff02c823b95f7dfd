using System.CommandLine;
using DbDoctor.Cli;
using DbDoctor.Diagnosis;
using DbDoctor.Heap;
using DbDoctor.Heap.Isolation;
using DbDoctor.Heap.Symbols;
using DbDoctor.Model;

namespace DbDoctor.Commands;

/// <summary><c>dbdoctor dump &lt;file&gt;</c>: diagnose the database objects in a heap dump.</summary>
public static class DumpCommand
{
    public static Command Create()
    {
        var path = new Argument<FileInfo>("dump-file") { Description = "A .NET heap dump (written with heap: dotnet-dump collect --type Heap/Full, createdump, or dbdoctor attach --keep-dump)." };
        var output = new OutputOptions();
        var symbols = new Option<DirectoryInfo[]>("--symbols")
        {
            HelpName = "dir",
            Arity = ArgumentArity.ZeroOrMore,
            Description = "For a dump analysed away from where it was written: a directory holding the target runtime's files " +
                          "(its publish or runtime folder copied from that machine, a dotnet root) or a symbol store; repeatable. " +
                          $"Also read from {DacLocator.SymbolPathVariable} (':'-separated). Searched after the runtime's folder recorded in the dump, " +
                          $"before the public symbol server ({DacLocator.SymbolServerVariable}=none: not asked).",
        };
        var command = new Command("dump", "Diagnose leaked transactions, readers, connections and pools in a heap dump.");
        command.Arguments.Add(path);
        output.AddTo(command);
        command.Options.Add(symbols);

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var file = parse.GetValue(path)!;
            var options = new HeapAnalysisOptions { MaxSqlLength = parse.GetValue(output.MaxSql), SymbolDirectories = SymbolDirectories(parse.GetValue(symbols)) };
            var facts = await IsolatedHeapAnalysis.AnalyzeDumpAsync(file.FullName, options, new StderrProgress(), WorkerLaunch.Current(), token).ConfigureAwait(false);
            var report = Diagnoser.Diagnose(new DiagnosisInput { Target = facts.Target, Heap = facts });
            return await ReportOutput.WriteAsync(report, parse.GetValue(output.Format)!, parse.GetValue(output.Output)).ConfigureAwait(false);
        }, ct));
        return command;
    }

    /// <summary>--symbols first, then DBDOCTOR_SYMBOL_PATH; a directory that is not there is bad input (exit 2), named.</summary>
    private static List<string> SymbolDirectories(DirectoryInfo[]? given)
    {
        var directories = (given ?? []).Select(d => d.FullName).Concat(DacLocator.FromEnvironment().Select(Path.GetFullPath)).Distinct(StringComparer.Ordinal).ToList();
        if (directories.FirstOrDefault(d => !Directory.Exists(d)) is { } missing)
        {
            throw new DbDoctorInputException($"The symbol directory '{missing}' (--symbols or {DacLocator.SymbolPathVariable}) does not exist.");
        }

        return directories;
    }
}
