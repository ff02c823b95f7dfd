using System.Globalization;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Watch;

/// <summary>
/// The <c>--trigger</c> grammar: <c>MEASURE OP VALUE[%] [:HOLD]</c>, no spaces needed.
/// MEASURE is <c>used</c>, <c>idle</c>, <c>pending</c>, <c>timeouts</c>, <c>leak-rate</c> (connections per minute) or
/// <c>exhaustion</c> (time until the pool is full at the current leak rate; its VALUE is a duration such as <c>10m</c>);
/// OP is one of <c>&gt;= &gt; &lt;= &lt; =</c>; <c>%</c> (used and idle only) means percent of the pool's max;
/// HOLD is a duration (<c>30s</c>, <c>2m</c>) the condition must stay true on every sample. Examples:
/// <c>used&gt;=80%:30s</c>, <c>timeouts&gt;0</c>, <c>pending&gt;0:5s</c>, <c>exhaustion&lt;=10m</c>, <c>leak-rate&gt;=5</c>.
/// </summary>
public static class TriggerParser
{
    private static readonly (string Text, TriggerComparison Comparison)[] Operators =
    [
        (">=", TriggerComparison.GreaterOrEqual), ("<=", TriggerComparison.LessOrEqual),
        (">", TriggerComparison.Greater), ("<", TriggerComparison.Less), ("=", TriggerComparison.Equal),
    ];

    private static readonly Dictionary<string, TriggerMeasure> Measures = new(StringComparer.OrdinalIgnoreCase)
    {
        ["used"] = TriggerMeasure.Used,
        ["idle"] = TriggerMeasure.Idle,
        ["pending"] = TriggerMeasure.Pending,
        ["timeouts"] = TriggerMeasure.Timeouts,
        ["leak-rate"] = TriggerMeasure.LeakRate,
        ["exhaustion"] = TriggerMeasure.Exhaustion,
    };

    public const string Help = "MEASURE OP VALUE[%][:HOLD], MEASURE one of used, idle, pending, timeouts, leak-rate, exhaustion; "
        + "e.g. used>=80%:30s, timeouts>0, pending>0:5s, exhaustion<=10m";

    public static bool TryParse(string? text, out Trigger? trigger, out string? error)
    {
        trigger = null;
        error = null;
        var compact = string.Concat((text ?? "").Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length == 0)
        {
            error = "empty trigger";
            return false;
        }

        var opIndex = compact.IndexOfAny(['>', '<', '=']);
        if (opIndex <= 0)
        {
            error = $"'{text}' has no comparison ({Help})";
            return false;
        }

        var measureText = compact[..opIndex];
        if (!Measures.TryGetValue(measureText, out var measure))
        {
            error = $"'{measureText}' is not a measure ({Help})";
            return false;
        }

        var (opText, comparison) = Operators.First(o => compact.AsSpan(opIndex).StartsWith(o.Text, StringComparison.Ordinal));
        var rest = compact[(opIndex + opText.Length)..];
        var holdSeconds = 0.0;
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            var holdText = rest[(colon + 1)..];
            if (!DurationText.TryParseSeconds(holdText, out holdSeconds) || holdSeconds <= 0)
            {
                error = $"'{holdText}' in '{text}' is not a duration to hold the condition (examples: 5s, 30s, 2m)";
                return false;
            }

            rest = rest[..colon];
        }

        var percent = rest.EndsWith('%');
        var valueText = percent ? rest[..^1] : rest;
        if (percent && measure is not (TriggerMeasure.Used or TriggerMeasure.Idle))
        {
            error = $"'{text}': only used and idle take a percentage of the pool's max";
            return false;
        }

        double threshold;
        if (measure == TriggerMeasure.Exhaustion)
        {
            if (!DurationText.TryParseSeconds(valueText, out threshold, bareUnitSeconds: 60))
            {
                error = $"'{valueText}' in '{text}' is not a duration (exhaustion takes one, e.g. 10m; a bare number is minutes)";
                return false;
            }
        }
        else if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out threshold) || threshold < 0)
        {
            error = $"'{valueText}' in '{text}' is not a number";
            return false;
        }

        trigger = new Trigger
        {
            Measure = measure,
            Comparison = comparison,
            Threshold = threshold,
            PercentOfMax = percent,
            HoldSeconds = holdSeconds,
            Text = compact.ToLowerInvariant(),
        };
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the reason.</summary>
    public static Trigger Parse(string text) =>
        TryParse(text, out var trigger, out var error) ? trigger! : throw new FormatException(error);
}
