using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using DbDoctor.Cli;
using DbDoctor.Cli.Watch;
using DbDoctor.Diagnosis.Watch;
using DbDoctor.Model;
using DbDoctor.Prometheus;

namespace DbDoctor.Commands;

/// <summary>
/// <c>dbdoctor watch</c>: stay attached, show the pools live, and snapshot and diagnose a target when a trigger fires.
/// SIGTERM stops it with exit 0 (a sidecar being shut down), Ctrl+C with 130.
/// </summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var target = new ProcessSelection(
            "watch",
            "Process id to watch",
            "Watch every process of this name (its program or .dll name), following them as they start, restart and exit.",
            "Watch every attachable .NET process that loads a database driver, as they come and go.");
        var triggers = new Option<string[]>("--trigger")
        {
            HelpName = "condition",
            Description = "When to snapshot and diagnose: " + TriggerParser.Help + ". Replaces the defaults (used>=90%:10s, timeouts>0, pending>0:5s, exhaustion<=10m); 'defaults' keeps them. Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var reportDir = new Option<DirectoryInfo?>("--report-dir") { HelpName = "dir", Description = "Where reports are written (JSON, Markdown and HTML, owner-only). Default: the current directory." };
        var cooldown = DurationOption.Create("--cooldown", "Least time between two snapshots of one process. Default: 5m.", TimeSpan.FromMinutes(5), TimeSpan.Zero);
        var maxSnapshots = new Option<int>("--max-snapshots") { HelpName = "n", Description = "Most heap snapshots per process. Default: 3.", DefaultValueFactory = _ => 3 };
        var format = new Option<string>("--format", "-f")
        {
            HelpName = "table|json",
            Description = "table: the live table (default on a terminal); json: one JSON line per process per sample (default when stdout is redirected).",
        };
        format.AcceptOnlyFromAmong("table", "json");
        var prometheus = new Option<string?>("--prometheus")
        {
            HelpName = "[host:]port",
            Description = "Serve the pools' state and the last findings at http://HOST:PORT/metrics in the Prometheus text format (a bare port, 0.0.0.0 or [::] listens on every interface).",
        };
        var maxSql = new Option<int>("--max-sql") { HelpName = "chars", Description = "Longest SQL text shown per object in reports.", DefaultValueFactory = _ => 200 };

        var command = new Command("watch", "Stay attached to running processes: live pool table, and a heap snapshot diagnosed when a trigger fires.");
        target.AddTo(command);
        foreach (var option in new Option[] { triggers, reportDir, cooldown, maxSnapshots, format, prometheus, maxSql })
        {
            command.Options.Add(option);
        }

        maxSnapshots.Validators.Add(MinimumValue.Of<OptionResult>(0, "--max-snapshots must be 0 or more."));
        maxSql.Validators.Add(MinimumValue.Of<OptionResult>(10, "--max-sql must be at least 10."));
        triggers.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Select(t => t.Value).Where(t => t != "defaults"))
            {
                if (!TriggerParser.TryParse(token, out _, out var error))
                {
                    result.AddError($"--trigger: {error}.");
                }
            }
        });
        prometheus.Validators.Add(result =>
        {
            if (!MetricsEndpoint.TryParse(result.GetValueOrDefault<string?>(), out _, out _))
            {
                result.AddError("--prometheus takes [HOST:]PORT (HOST a name, an IPv4 address, or 0.0.0.0 or [::] for every interface), e.g. 9464, 0.0.0.0:9464 or 127.0.0.1:9464.");
            }
        });

        command.SetAction((parse, ct) => CommandGuard.RunAsync(async token =>
        {
            var settings = new WatchSettings
            {
                Selector = new WatchSelector { Pid = target.GivenPid(parse), Name = target.GivenName(parse), All = target.GivenAll(parse) },
                Triggers = TriggersFrom(parse.GetValue(triggers)),
                ReportDirectory = parse.GetValue(reportDir)?.FullName ?? Directory.GetCurrentDirectory(),
                Cooldown = parse.GetValue(cooldown) ?? TimeSpan.FromMinutes(5),
                MaxSnapshots = parse.GetValue(maxSnapshots),
                MaxSqlLength = parse.GetValue(maxSql),
                Table = parse.GetValue(format) is { } f ? f == "table" : !Console.IsOutputRedirected,
                Prometheus = parse.GetValue(prometheus),
            };
            return await RunAsync(settings, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static MetricsEndpoint? StartEndpoint(string? address, WatchMetrics? metrics) =>
        address is not null && metrics is not null && MetricsEndpoint.TryParse(address, out var host, out var port)
            ? MetricsEndpoint.Start(host, port, metrics)
            : null;

    private static IReadOnlyList<Trigger> TriggersFrom(string[]? given) =>
        given is null || given.Length == 0
            ? Trigger.Defaults
            : given.SelectMany(t => t == "defaults" ? Trigger.Defaults : [TriggerParser.Parse(t)]).DistinctBy(t => t.Text).ToList();

    private static async Task<int> RunAsync(WatchSettings settings, CancellationToken interrupted)
    {
        // SIGTERM is how a sidecar is stopped: a clean stop, exit 0. Ctrl+C (SIGINT) cancels `interrupted`: exit 130.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
        var terminated = false;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            terminated = true;
            stop.Cancel();
        });

        var display = new WatchDisplay(settings.Table);
        var metrics = settings.Prometheus is null ? null : new WatchMetrics();
        using var endpoint = StartEndpoint(settings.Prometheus, metrics);
        if (endpoint is not null)
        {
            display.Event($"serving metrics at {endpoint.Url}");
        }

        try
        {
            await new WatchSession(settings, display, metrics).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (terminated)
        {
            // Stopped while a snapshot was being taken: its temporary file is already gone; a SIGTERM is still a clean stop.
        }

        if (terminated)
        {
            return ExitCodes.Healthy;
        }

        if (interrupted.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("dbdoctor: cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }

        return ExitCodes.Healthy;
    }
}
