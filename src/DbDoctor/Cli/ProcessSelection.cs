using System.CommandLine;
using System.CommandLine.Parsing;
using DbDoctor.Cli.Watch;
using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>
/// How <c>attach</c> and <c>watch</c> are told which process to look at, the way dotnet-counters and dotnet-trace are:
/// a pid argument, <c>-p|--process-id</c> or <c>-n|--name</c> (and, for watch, <c>--all</c>); exactly one of them.
/// </summary>
public sealed class ProcessSelection
{
    private readonly string _verb;

    /// <param name="verb">The command ("attach", "watch"), for the one-of error.</param>
    /// <param name="pidMeaning">What the pid is for, e.g. "Process id to watch".</param>
    /// <param name="nameMeaning">What a name selects.</param>
    /// <param name="allMeaning">Non-null: the command also takes <c>--all</c>, meaning this.</param>
    public ProcessSelection(string verb, string pidMeaning, string nameMeaning, string? allMeaning = null)
    {
        _verb = verb;
        Pid = new Argument<int?>("pid") { Description = $"{pidMeaning} (see dbdoctor ps).", Arity = ArgumentArity.ZeroOrOne, CustomParser = ProcessIdParser.ParseOptional };
        ProcessId = new Option<int?>("--process-id", "-p") { HelpName = "pid", Description = $"{pidMeaning}, as an option.", CustomParser = ProcessIdParser.ParseOptional };
        Name = new Option<string?>("--name", "-n") { HelpName = "name", Description = nameMeaning };
        All = allMeaning is null ? null : new Option<bool>("--all") { Description = allMeaning };
    }

    public Argument<int?> Pid { get; }
    public Option<int?> ProcessId { get; }
    public Option<string?> Name { get; }
    public Option<bool>? All { get; }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Arguments.Add(Pid);
        command.Options.Add(ProcessId);
        command.Options.Add(Name);
        if (All is not null)
        {
            command.Options.Add(All);
        }

        Pid.Validators.Add(MinimumValue.Of<ArgumentResult>(1, "pid must be a positive process id."));
        ProcessId.Validators.Add(MinimumValue.Of<OptionResult>(1, "--process-id must be a positive process id."));
        Name.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && string.IsNullOrWhiteSpace(result.Tokens[0].Value))
            {
                result.AddError("--name needs a process name (its program or .dll name, as 'dbdoctor ps' shows it).");
            }
        });
        command.Validators.Add(result =>
        {
            // Counted by what was typed, not by value: GetValue throws when a pid did not parse, and that error is
            // already reported by ProcessIdParser.
            var chosen = (result.GetResult(Pid) is { Tokens.Count: > 0 } ? 1 : 0) + (result.GetResult(ProcessId) is { Implicit: false } ? 1 : 0)
                + (result.GetResult(Name) is { Implicit: false } ? 1 : 0) + (All is not null && result.GetValue(All) ? 1 : 0);
            if (chosen != 1)
            {
                var choices = All is null ? "a pid, --process-id or --name" : "a pid, --process-id, --name or --all";
                result.AddError($"{_verb} needs exactly one of: {choices}.");
            }
        });
    }

    /// <summary>The pid given as the argument or with -p; null when the process was chosen by name (or --all).</summary>
    public int? GivenPid(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Pid) ?? parse.GetValue(ProcessId);
    }

    public string? GivenName(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Name);
    }

    public bool GivenAll(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return All is not null && parse.GetValue(All);
    }

    /// <summary>
    /// The one process the command line names: the pid, or the only attachable .NET process of that name. No such process,
    /// or several of that name, is bad input (exit 2) with the pids to choose from.
    /// </summary>
    public int ResolveOne(ParseResult parse)
    {
        if (GivenPid(parse) is { } pid)
        {
            return pid;
        }

        var name = GivenName(parse) ?? throw new InvalidOperationException($"{_verb}: no pid and no name passed validation.");
        var matches = ProcessMatcher.Find(new WatchSelector { Name = name });
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new DbDoctorInputException(
                $"No attachable .NET process is named '{name}' (a program or .dll name): 'dbdoctor ps' lists the ones dbdoctor can see, by their diagnostic sockets in {Path.GetTempPath()}."),
            _ => throw new DbDoctorInputException(
                $"{matches.Count} .NET processes are named '{name}' (pids {string.Join(", ", matches.Order())}): choose one with -p <pid>."),
        };
    }
}
