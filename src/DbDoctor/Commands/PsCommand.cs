using System.CommandLine;
using System.Text;
using System.Text.Json;
using DbDoctor.Cli;
using DbDoctor.Telemetry;

namespace DbDoctor.Commands;

/// <summary><c>dbdoctor ps [--format table|json]</c>: the .NET processes dbdoctor can attach to, with the database drivers they loaded.</summary>
public static class PsCommand
{
    public static Command Create()
    {
        // dotnet-counters/dotnet-trace style --format; --json is the older spelling, kept as an alias of --format json.
        var format = new Option<string>("--format", "-f") { HelpName = "table|json", Description = "table (default) or json." };
        format.AcceptOnlyFromAmong("table", "json");
        var json = new Option<bool>("--json") { Description = "The same as --format json." };
        var command = new Command("ps", "List the .NET processes that can be attached, with runtime version and loaded database drivers.");
        command.Options.Add(format);
        command.Options.Add(json);
        command.Validators.Add(result =>
        {
            if (result.GetValue(json) && result.GetResult(format) is { Implicit: false } given && given.Tokens is [{ Value: not "json" }])
            {
                result.AddError("--json means --format json: give one of them.");
            }
        });
        command.SetAction((parse, ct) => CommandGuard.RunAsync(async _ =>
        {
            var processes = ProcessLister.List();
            var asJson = parse.GetValue(json) || parse.GetValue(format) == "json";
            var text = asJson ? AsJson(processes) : AsTable(processes);
            await StandardOutput.WriteAsync(text).ConfigureAwait(false);
            return 0;
        }, ct));
        return command;
    }

    private static string AsTable(IReadOnlyList<DotNetProcessInfo> processes)
    {
        if (processes.Count == 0)
        {
            return $"No .NET process published a diagnostic socket in {Path.GetTempPath()} (dbdoctor and the target must share TMPDIR).\n";
        }

        var rows = processes.OrderBy(p => p.Pid).Select(p => (
            Process: p,
            Drivers: p.Drivers.Count == 0 ? "-" : string.Join(", ", p.Drivers.Select(d => d.Version is null ? d.Name : $"{d.Name} {d.Version}")))).ToList();
        // The drivers column is as wide as its longest entry, so the command lines stay aligned.
        var driversWidth = Math.Max("DRIVERS".Length, rows.Max(r => r.Drivers.Length));
        var sb = new StringBuilder();
        sb.AppendLine($"{"PID",7}  {"RUNTIME",-9}  {"DRIVERS".PadRight(driversWidth)}  COMMAND");
        foreach (var (p, drivers) in rows)
        {
            var command = p.Status == ProcessStatus.Attachable ? p.CommandLine ?? "?" : $"({p.Status}: {p.StatusDetail}) {p.CommandLine}";
            sb.AppendLine($"{p.Pid,7}  {p.RuntimeVersion ?? "?",-9}  {drivers.PadRight(driversWidth)}  {command}");
        }

        return sb.ToString();
    }

    private static string AsJson(IReadOnlyList<DotNetProcessInfo> processes)
    {
        var shaped = processes.OrderBy(p => p.Pid).Select(p => new
        {
            pid = p.Pid,
            commandLine = p.CommandLine,
            runtimeVersion = p.RuntimeVersion,
            status = p.Status.ToString(),
            statusDetail = p.StatusDetail,
            drivers = p.Drivers.Select(d => new { name = d.Name, version = d.Version, path = d.Path }),
        });
        return JsonSerializer.Serialize(shaped, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
