using System.Globalization;

namespace DbDoctor.Telemetry;

/// <summary>The fields DbDoctor reads from /proc/&lt;pid&gt;/stat: the process state and its start time.</summary>
public sealed record ProcStat(char State, long StartTimeTicks)
{
    /// <summary>A zombie has exited; only its parent's wait is missing.</summary>
    public bool IsZombie => State == 'Z';

    /// <summary>Stopped by a signal or by a tracer (the runtime's dump writer uses ptrace).</summary>
    public bool IsStopped => State is 't' or 'T';

    /// <summary>The stat line of a process, or null when it is gone or not ours to read.</summary>
    public static ProcStat? Read(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The command name (field 2) is in parentheses and may itself hold spaces and parentheses, so fields are counted
    /// after the LAST ')': the state (field 3) comes first, starttime (field 22) is the 20th.
    /// </summary>
    public static ProcStat? Parse(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var afterName = stat.LastIndexOf(')');
        if (afterName < 0)
        {
            return null;
        }

        var fields = stat[(afterName + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0].Length != 1
            || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var startTicks))
        {
            return null;
        }

        return new ProcStat(fields[0][0], startTicks);
    }
}
