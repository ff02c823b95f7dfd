using System.CommandLine;
using DbDoctor.Cli;
using DbDoctor.Diagnosis;
using DbDoctor.Heap;
using DbDoctor.Heap.Isolation;
using DbDoctor.Telemetry;

namespace DbDoctor.Commands;

/// <summary>
/// <c>dbdoctor demo</c>: the main job on an embedded default. Starts the SQLite mixed scenario (no server needed),
/// snapshots its heap and prints the diagnosis, then stops the scenario. Its help and progress promise what the report
/// shows (the scenario leaves the same heap on every run), in the report's words.
/// </summary>
public static class DemoCommand
{
    /// <summary>Why the demo's three undisposed readers are reported as three leaked connections.</summary>
    public const string ReadersAsConnections =
        "Microsoft.Data.Sqlite lets the GC collect an undisposed data reader together with its command and SqliteConnection; "
        + "what stays in the heap is the pool's connection, still checked out, so DbDoctor reports a leaked connection and cannot see the reader";

    public const string Description =
        "Run a built-in SQLite app with known leaks, snapshot its heap and diagnose it (no server needed). "
        + "The report shows 2 leaked transactions (begun, then an exception was swallowed), 3 leaked connections "
        + "(3 data readers left open with their connections: " + ReadersAsConnections + ") and a pool sprawl of 10 pools "
        + "(one per database file); the app's other work is done right and is not reported. Exit code 3.";

    public static Command Create()
    {
        var output = new OutputOptions();
        var command = new Command("demo", Description);
        output.AddTo(command);

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var progress = new StderrProgress();
            var work = Directory.CreateTempSubdirectory("dbdoctor-demo-");
            try
            {
                progress.Report("starting the SQLite demo app: 2 transactions left open, 3 data readers left open, 10 database files with a pool each...");
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
                var exitCode = await ReportOutput.WriteAsync(report, parse.GetValue(output.Format)!, parse.GetValue(output.Output)).ConfigureAwait(false);
                progress.Report($"Why 3 leaked connections and no leaked reader: {ReadersAsConnections}.");
                return exitCode;
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }, ct));
        return command;
    }
}
