using DbDoctor.Model.Watch;
using DbDoctor.Rendering;
using DbDoctor.Rendering.Watch;

namespace DbDoctor.Cli.Watch;

/// <summary>
/// Where watch's output goes. On a terminal: the table, redrawn in place, with the latest events under it. Otherwise:
/// one JSON line per target per sample on stdout (a clean stream for a log collector) and events as lines on stderr.
/// </summary>
public sealed class WatchDisplay(bool table)
{
    private const int EventsShown = 8;
    private readonly bool _terminal = table;
    private readonly Queue<string> _events = new();

    public void Event(string line)
    {
        var stamped = $"{DateTime.UtcNow:HH:mm:ss} dbdoctor: {Redaction.Text(line)}";
        // On a terminal the events sit under the table (a line on stderr would be wiped by the next redraw).
        if (_terminal)
        {
            _events.Enqueue(stamped);
            while (_events.Count > EventsShown)
            {
                _events.Dequeue();
            }
        }
        else
        {
            Console.Error.WriteLine(stamped);
        }
    }

    public void Show(IReadOnlyList<WatchSample> samples)
    {
        if (_terminal)
        {
            var width = !Console.IsOutputRedirected && Console.WindowWidth > 0 ? Console.WindowWidth : 120;
            Console.Out.Write("\u001b[H\u001b[2J" + WatchRenderer.Table(samples, width, [.. _events]));
            Console.Out.Flush();
            return;
        }

        foreach (var sample in samples)
        {
            Console.Out.WriteLine(WatchRenderer.JsonLine(sample));
        }

        Console.Out.Flush();
    }
}
