using System.CommandLine;
using DbDoctor.Cli;
using DbDoctor.Diagnosis;
using DbDoctor.Heap;
using DbDoctor.Heap.Isolation;
using DbDoctor.Telemetry;

namespace DbDoctor.Commands;

/// <summary>
/// <c>dbdoctor demo</c>: the main job on an embedded default. Starts the SQLite mixed scenario (no server needed),
/// snapshots its heap and prints the diagnosis, then stops the scenario.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var output = new OutputOptions();
        var command = new Command("demo", "Run a built-in SQLite app with leaked transactions, readers and pool sprawl, snapshot it and diagnose it (no server needed).");
        output.AddTo(command);

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var progress = new StderrProgress();
            var work = Directory.CreateTempSubdirectory("dbdoctor-demo-");
            try
            {
                progress.Report("starting the SQLite demo app (2 leaked transactions, 3 undisposed readers, 6 tenant pools)...");
                await using var app = await DemoApp.StartAsync("sqlite-mixed", work.FullName, token).ConfigureAwait(false);
                progress.Report($"demo app running as pid {app.Pid}; writing a heap snapshot...");
                using var snapshot = await HeapSnapshotter.WriteAsync(app.Pid, keepPath: null, token).ConfigureAwait(false);
                progress.Report($"snapshot written (target paused {snapshot.TargetPause.TotalSeconds:0.0} s); analysing...");
                var options = new HeapAnalysisOptions { MaxSqlLength = parse.GetValue(output.MaxSql) };
                var facts = await IsolatedHeapAnalysis.AnalyzeDumpAsync(snapshot.Path, options, progress, WorkerLaunch.Current(), token).ConfigureAwait(false);
                var target = facts.Target with { Kind = "process", Pid = app.Pid, Path = null };
                var report = Diagnoser.Diagnose(new DiagnosisInput { Target = target, Heap = facts with { Target = target } });
                // Like attach, the report states how long the snapshot paused the target.
                report = report with { Snapshot = report.Snapshot! with { TargetPauseSeconds = snapshot.TargetPause.TotalSeconds, TargetPauseIsUpperBound = !snapshot.PauseMeasured } };
                return await ReportOutput.WriteAsync(report, parse.GetValue(output.Format)!, parse.GetValue(output.Output)).ConfigureAwait(false);
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }, ct));
        return command;
    }
}
