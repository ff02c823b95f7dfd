using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>
/// How the command line answers a mistake and documents its exit codes: a usage error is two lines on stderr (what is
/// wrong, where the help is) and exit 1, with nothing on stdout, so <c>dbdoctor demo -f jsn &gt; r.json</c> writes no help
/// text into the file; every command's <c>--help</c> ends with the exit codes.
/// </summary>
public static class UsageErrors
{
    /// <summary>The README's "Exit codes" table, for --help.</summary>
    public static readonly IReadOnlyList<(int Code, string Meaning)> ExitCodeMeanings =
    [
        (ExitCodes.Healthy, "no finding of severity warning or error"),
        (ExitCodes.Usage, "usage error (unknown option, missing or malformed argument)"),
        (ExitCodes.BadInput, "the input cannot be used (missing or unreadable dump, no such process, no permission...), or no verdict: DbDoctor could not look (the target exited; --no-heap on a driver without pool telemetry)"),
        (ExitCodes.Findings, "at least one finding of severity warning or error"),
        (ExitCodes.InternalError, "internal error (a bug); DBDOCTOR_DEBUG=1 prints the stack trace"),
        (ExitCodes.Cancelled, "interrupted (Ctrl+C)"),
    ];

    /// <summary>"dbdoctor: &lt;first error&gt;" and "Run 'dbdoctor attach --help' for usage."</summary>
    public static string Text(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return $"dbdoctor: {FirstError(result)}{Environment.NewLine}Run '{CommandPath(result.CommandResult)} --help' for usage.";
    }

    /// <summary>
    /// The error that says most, on one line: a word the parser did not recognise explains "Required command was not
    /// provided" (`dbdoctor bogus`); an option's error names the option.
    /// </summary>
    private static string FirstError(ParseResult result)
    {
        var errors = result.Errors;
        if (errors.Count == 0)
        {
            return "invalid command line.";
        }

        var error = errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? errors[0];
        var message = string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return error.SymbolResult is OptionResult { Option: { } option } && !message.StartsWith(option.Name, StringComparison.Ordinal)
            ? $"{option.Name}: {message}"
            : message;
    }

    /// <summary>Appends an "Exit codes:" section to the help of every command.</summary>
    public static void AddExitCodesToHelp(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is SynchronousCommandLineAction inner)
            {
                help.Action = new HelpWithExitCodes(inner);
            }
        }
    }

    /// <summary>The library's help, then the exit codes (its layout API is not public in System.CommandLine 3.0).</summary>
    private sealed class HelpWithExitCodes(SynchronousCommandLineAction help) : SynchronousCommandLineAction
    {
        // Like the help it wraps: `dbdoctor attach --help` shows help even though the pid is missing.
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var code = help.Invoke(parseResult);
            if (!parseResult.CommandResult.Command.Hidden)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Exit codes:");
                foreach (var (exit, meaning) in ExitCodeMeanings)
                {
                    output.WriteLine($"  {exit,-5}{meaning}");
                }

                output.WriteLine();
            }

            return code;
        }
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? at = command; at is not null; at = at.Parent)
        {
            if (at is CommandResult c)
            {
                names.Add(c.Command is RootCommand ? "dbdoctor" : c.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
