using System.CommandLine;
using System.CommandLine.Invocation;
using System.Runtime.InteropServices;
using DbDoctor.Commands;
using DbDoctor.Model;
using DbDoctor.Telemetry;

namespace DbDoctor.Cli;

/// <summary>Builds the command tree. Each subcommand lives in its own file under Commands/.</summary>
public static class DbDoctorCli
{
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand(
            "dbdoctor: names database connection leaks (transactions, readers, connections, pools) in .NET processes and dumps, and shows what keeps them alive.");
        root.Subcommands.Add(DumpCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(AttachCommand.Create());
        root.Subcommands.Add(PsCommand.Create());
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(AnalysisWorkerCommand.Create());
        UsageErrors.AddExitCodesToHelp(root);
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parseResult = BuildRootCommand().Parse(args);
        if (parseResult.Action is ParseErrorAction)
        {
            // Not the library's default (all errors and the whole help on stdout): two lines on stderr, exit 1.
            await Console.Error.WriteLineAsync(UsageErrors.Text(parseResult)).ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Our actions turn expected failures into exit codes themselves; the default handler would print stack traces.
        // On Ctrl+C System.CommandLine cancels the token, then ends the process after ProcessTerminationTimeout (2 s by
        // default) with 130 and nothing printed. A cancelled snapshot waits for the runtime to finish its dump before
        // removing it, so the action gets that long and a margin to say "cancelled" and clean up itself.
        var configuration = new InvocationConfiguration
        {
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = HeapSnapshotter.CancelledWriteSettleLimit + TimeSpan.FromSeconds(10),
        };
        // SIGTERM (a service manager, a closed terminal) cancels like Ctrl+C. System.CommandLine does this itself only in its
        // net7+ build; the tool targets net8.0, which gets the library's netstandard2.0 build (it ships net10.0 and
        // netstandard2.0). `watch` handles SIGTERM itself (a clean stop, exit 0).
        using var terminated = new CancellationTokenSource();
        using var sigterm = parseResult.CommandResult.Command.Name == "watch"
            ? null
            : PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                terminated.Cancel();
            });
        return await parseResult.InvokeAsync(configuration, terminated.Token).ConfigureAwait(false);
    }
}
