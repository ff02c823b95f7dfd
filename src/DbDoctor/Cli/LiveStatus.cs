using DbDoctor.Telemetry;

namespace DbDoctor.Cli;

/// <summary>
/// The live line shown on stderr while the telemetry window runs: elapsed time, pools seen, the fullest pool's
/// used/max and exception events. Rewritten in place on a terminal; one line per update with DBDOCTOR_PROGRESS=1.
/// </summary>
public sealed class LiveStatus : IProgress<TelemetryProgress>
{
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly bool _forced = Environment.GetEnvironmentVariable("DBDOCTOR_PROGRESS") == "1";
    private bool _wroteInPlace;

    public void Report(TelemetryProgress value)
    {
        var used = value.CurrentUsed is { } u ? $"{u:0}/{value.CurrentMax?.ToString("0", System.Globalization.CultureInfo.InvariantCulture) ?? "?"} used" : "waiting for pool counters";
        var line = $"  listening {value.Elapsed.TotalSeconds,4:0}/{value.Total.TotalSeconds:0} s | {used} | exceptions {value.ExceptionEvents}";
        if (_terminal)
        {
            Console.Error.Write("\r" + line.PadRight(Math.Min(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 100, 100)));
            _wroteInPlace = true;
        }
        else if (_forced)
        {
            Console.Error.WriteLine(line);
        }
    }

    public void Done()
    {
        if (_wroteInPlace)
        {
            Console.Error.WriteLine();
        }
    }
}
