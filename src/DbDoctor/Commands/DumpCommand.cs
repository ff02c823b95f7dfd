using System.CommandLine;
using DbDoctor.Cli;
using DbDoctor.Diagnosis;
using DbDoctor.Heap;
using DbDoctor.Heap.Isolation;

namespace DbDoctor.Commands;

/// <summary><c>dbdoctor dump &lt;file&gt;</c>: diagnose the database objects in a heap dump.</summary>
public static class DumpCommand
{
    public static Command Create()
    {
        var path = new Argument<FileInfo>("dump-file") { Description = "A .NET heap dump (written with heap: dotnet-dump collect --type Heap/Full, createdump, or dbdoctor attach --keep-dump)." };
        var output = new OutputOptions();
        var command = new Command("dump", "Diagnose leaked transactions, readers, connections and pools in a heap dump.");
        command.Arguments.Add(path);
        output.AddTo(command);

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var file = parse.GetValue(path)!;
            var options = new HeapAnalysisOptions { MaxSqlLength = parse.GetValue(output.MaxSql) };
            var facts = await IsolatedHeapAnalysis.AnalyzeDumpAsync(file.FullName, options, new StderrProgress(), WorkerLaunch.Current(), token).ConfigureAwait(false);
            var report = Diagnoser.Diagnose(new DiagnosisInput { Target = facts.Target, Heap = facts });
            return await ReportOutput.WriteAsync(report, parse.GetValue(output.Format)!, parse.GetValue(output.Output)).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
