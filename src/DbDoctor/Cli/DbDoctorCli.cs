using System.CommandLine;
using DbDoctor.Commands;

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
        root.Subcommands.Add(AnalysisWorkerCommand.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parseResult = BuildRootCommand().Parse(args);

        // Our actions turn expected failures into exit codes themselves; the default handler would print stack traces.
        var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
        return await parseResult.InvokeAsync(configuration).ConfigureAwait(false);
    }
}
