using System.CommandLine;
using DbDoctor.Cli;

namespace DbDoctor.Commands;

/// <summary>
/// <c>dbdoctor attach &lt;pid&gt; | -p &lt;pid&gt; | -n &lt;name&gt;</c>: live pool telemetry over EventPipe for a window, then a heap snapshot analysed
/// like <c>dump</c>, diagnosed together.
/// </summary>
public static class AttachCommand
{
    public static Command Create()
    {
        var target = new ProcessSelection("attach", "Process id of a running .NET process", "The running .NET process of this name (its program or .dll name, as 'dbdoctor ps' shows it); several of that name: give -p.");
        var duration = DurationOption.Create("--duration", "How long to listen to the pool telemetry, e.g. 10s, 1m. Default: 10s.", null, TimeSpan.FromSeconds(1));
        var noHeap = new Option<bool>("--no-heap") { Description = "Skip the heap snapshot: telemetry only, the target is never paused. Pools of a driver that publishes no pool telemetry (Microsoft.Data.Sqlite) are then not seen: with no other pool in view that is no verdict, exit 2." };
        var keepDump = new Option<FileInfo?>("--keep-dump") { HelpName = "path", Description = "Keep the heap snapshot at this path instead of deleting it." };
        var serverIdle = DurationOption.Create("--server-idle-timeout", "After how long idle the server (or a proxy) closes sessions, e.g. 60s: checks pools for stale connections.", null, TimeSpan.FromSeconds(1));
        var server = new Option<string?>("--server") { HelpName = "connection-string", Description = "A connection string (never printed) to ask the target's database server its view: PostgreSQL's idle_session_timeout and the pg_stat_activity rows of the heap's backend pids; MySQL/MariaDB's wait_timeout/interactive_timeout and the information_schema.processlist and innodb_trx rows of the heap's thread ids." };
        var trace = new Option<bool>("--trace") { Description = "Also record the drivers' own activities (opens, commands) with their call stacks while the window runs, to name the application code each leaked or held connection came from. Costs the target throughput while it runs." };
        var output = new OutputOptions();

        var command = new Command("attach", "Listen to a running process's pool telemetry, snapshot its heap, and diagnose both together.");
        target.AddTo(command);
        command.Options.Add(duration);
        command.Options.Add(noHeap);
        command.Options.Add(keepDump);
        command.Options.Add(serverIdle);
        command.Options.Add(server);
        command.Options.Add(trace);
        output.AddTo(command);

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var settings = new AttachSettings
            {
                Pid = target.ResolveOne(parse),
                Duration = parse.GetValue(duration) ?? TimeSpan.FromSeconds(10),
                NoHeap = parse.GetValue(noHeap),
                KeepDumpPath = parse.GetValue(keepDump)?.FullName,
                MaxSqlLength = parse.GetValue(output.MaxSql),
                ServerIdleTimeout = parse.GetValue(serverIdle),
                ServerConnectionString = parse.GetValue(server),
                Trace = parse.GetValue(trace),
            };
            var report = await AttachSession.RunAsync(settings, token).ConfigureAwait(false);
            return await ReportOutput.WriteAsync(report, parse.GetValue(output.Format)!, parse.GetValue(output.Output)).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
