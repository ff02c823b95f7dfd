using DbDoctor.Telemetry;

namespace DbDoctor.Cli.Watch;

/// <summary>
/// Finds the processes a <see cref="WatchSelector"/> names. A process's name is its <c>/proc/PID/comm</c>, or the file
/// name (without extension) of the program or of the first argument (<c>dotnet MyService.dll</c> is "MyService").
/// </summary>
public static class ProcessMatcher
{
    public static IReadOnlyList<int> Find(WatchSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (selector.Pid is { } pid)
        {
            return [pid];
        }

        return ProcessLister.List()
            .Where(p => p.Status == ProcessStatus.Attachable && p.Pid != Environment.ProcessId)
            .Where(p => selector.Name is { } name ? Names(p.Pid).Contains(name, StringComparer.Ordinal) : p.Drivers.Count > 0)
            .Select(p => p.Pid)
            .ToList();
    }

    /// <summary>The name a person knows the process by: the .dll a <c>dotnet</c> host runs, else the program.</summary>
    public static string DisplayName(int pid)
    {
        var names = Names(pid);
        return names.Count switch
        {
            0 => "?",
            1 => names[0],
            _ => names[1] == "dotnet" && names.Count > 2 ? names[2] : names[1],
        };
    }

    public static IReadOnlyList<string> Names(int pid)
    {
        var names = new List<string>();
        try
        {
            names.Add(File.ReadAllText($"/proc/{pid}/comm").Trim());
            var argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            names.AddRange(argv.Take(2).Select(Path.GetFileNameWithoutExtension).OfType<string>());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited meanwhile, or is not ours: it has no name we can match.
        }

        return names;
    }
}
