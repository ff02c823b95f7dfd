using System.Globalization;

namespace DbDoctor.Model;

/// <summary>Durations as database servers print them and as users type them: "60", "60s", "1min", "500ms", "2h", "1d".</summary>
public static class DurationText
{
    /// <summary>Parses to seconds. A bare number means <paramref name="bareUnitSeconds"/> (some servers print milliseconds).</summary>
    public static bool TryParseSeconds(string? text, out double seconds, double bareUnitSeconds = 1)
    {
        seconds = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var split = 0;
        while (split < trimmed.Length && (char.IsAsciiDigit(trimmed[split]) || trimmed[split] == '.'))
        {
            split++;
        }

        if (split == 0 || !double.TryParse(trimmed.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        double? unit = trimmed[split..].Trim().ToUpperInvariant() switch
        {
            "" => bareUnitSeconds,
            "US" => 1e-6,
            "MS" => 1e-3,
            "S" or "SEC" or "SECS" or "SECOND" or "SECONDS" => 1,
            "M" or "MIN" or "MINS" or "MINUTE" or "MINUTES" => 60,
            "H" or "HOUR" or "HOURS" => 3600,
            "D" or "DAY" or "DAYS" => 86400,
            _ => null,
        };
        if (unit is null)
        {
            return false;
        }

        seconds = number * unit.Value;
        return true;
    }
}
