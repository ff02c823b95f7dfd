using System.Globalization;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>How long a process has been running, from /proc/&lt;pid&gt;/stat (start time in clock ticks since boot) and /proc/uptime.</summary>
public static class ProcessUptime
{
    /// <summary>USER_HZ: the unit of /proc times, 100 on every Linux architecture .NET runs on.</summary>
    private const double ClockTicksPerSecond = 100;

    public static double? Seconds(int pid)
    {
        try
        {
            return FromProc(File.ReadAllText($"/proc/{pid}/stat"), File.ReadAllText("/proc/uptime"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Seconds since the process started, from its stat line and the system's uptime.</summary>
    public static double? FromProc(string stat, string uptime)
    {
        ArgumentNullException.ThrowIfNull(stat);
        ArgumentNullException.ThrowIfNull(uptime);
        var up = uptime.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (ProcStat.Parse(stat) is not { } parsed
            || up.Length == 0
            || !double.TryParse(up[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var systemUptime))
        {
            return null;
        }

        return Math.Max(0, systemUptime - (parsed.StartTimeTicks / ClockTicksPerSecond));
    }
}
