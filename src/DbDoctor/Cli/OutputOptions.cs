using System.CommandLine;
using System.CommandLine.Parsing;

namespace DbDoctor.Cli;

/// <summary>The options every reporting command shares: how the report is rendered and where it goes.</summary>
public sealed class OutputOptions
{
    public Option<string> Format { get; } = new("--format", "-f")
    {
        Description = "Report format: console (for people), json (schema dbdoctor/report@1), markdown, or html (one self-contained page with charts, for a ticket).",
        DefaultValueFactory = _ => "console",
    };

    public Option<FileInfo?> Output { get; } = new("--output", "-o")
    {
        HelpName = "file",
        Description = "Write the report to this file instead of standard output.",
    };

    public Option<int> MaxSql { get; } = new("--max-sql")
    {
        HelpName = "chars",
        Description = "Longest SQL text shown per object, in characters.",
        DefaultValueFactory = _ => 200,
    };

    public OutputOptions()
    {
        Format.AcceptOnlyFromAmong("console", "json", "markdown", "html");
        MaxSql.Validators.Add(MinimumValue.Of<OptionResult>(10, "--max-sql must be at least 10."));
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(Output);
        command.Options.Add(MaxSql);
    }
}
