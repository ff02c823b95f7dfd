using System.Globalization;
using System.Text;
using System.Text.Json;
using DbDoctor.Model.Watch;

namespace DbDoctor.Rendering.Watch;

/// <summary>
/// The two faces of <c>dbdoctor watch</c>'s samples: a table for a terminal (redrawn in place, in the spirit of
/// <c>dotnet-counters monitor</c>) and one compact JSON line per sample for a pipe or a log collector.
/// </summary>
public static class WatchRenderer
{
    private static readonly JsonSerializerOptions LineOptions = new(JsonRenderer.SerializerOptions) { WriteIndented = false };

    public static string JsonLine(WatchSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return JsonSerializer.Serialize(Redacted(sample), LineOptions);
    }

    /// <summary>The table, pool names cut to fit <paramref name="width"/> columns.</summary>
    public static string Table(IReadOnlyList<WatchSample> targets, int width, IReadOnlyList<string> recentEvents)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(recentEvents);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"dbdoctor watch  {DateTime.UtcNow:HH:mm:ss} UTC  (Ctrl+C to stop)\n\n");
        const string numbers = "  {0,6} {1,6} {2,6} {3,7} {4,8} {5,9} {6,10}";
        var numbersWidth = string.Format(CultureInfo.InvariantCulture, numbers, "", "", "", "", "", "", "").Length;
        var poolWidth = Math.Max(20, width - numbersWidth - 1);
        foreach (var target in targets)
        {
            text.Append(CultureInfo.InvariantCulture, $"process {target.Pid}  watched {target.WatchedSeconds:0} s  snapshots {target.SnapshotsTaken}\n");
            text.Append(Fit("driver / pool", poolWidth))
                .Append(string.Format(CultureInfo.InvariantCulture, numbers, "used", "idle", "max", "pending", "timeouts", "leak/min", "full in"))
                .Append('\n');
            if (target.Pools.Count == 0)
            {
                text.Append("  (no pool telemetry yet)\n");
            }

            foreach (var row in Redacted(target).Pools)
            {
                text.Append(Fit($"{row.Driver} {row.Pool}", poolWidth))
                    .Append(string.Format(CultureInfo.InvariantCulture, numbers, N(row.Used), N(row.Idle), N(row.Max), N(row.Pending),
                        N(row.Timeouts), row.LeakRatePerMinute is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) : "-",
                        Eta(row.SecondsToExhaustion)))
                    .Append('\n');
            }

            text.Append('\n');
        }

        foreach (var line in recentEvents)
        {
            text.Append(Redaction.Text(line)).Append('\n');
        }

        return text.ToString();
    }

    private static WatchSample Redacted(WatchSample sample) =>
        sample with { Pools = sample.Pools.Select(p => p with { Pool = Redaction.Name(p.Pool) }).ToList() };

    private static string N(double? value) => value is { } v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";

    private static string Eta(double? seconds) => seconds switch
    {
        null => "-",
        0 => "FULL",
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0}s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0}m"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0}h"),
    };

    private static string Fit(string text, int width) =>
        text.Length <= width ? text.PadRight(width) : string.Concat(text.AsSpan(0, width - 1), "…");
}
