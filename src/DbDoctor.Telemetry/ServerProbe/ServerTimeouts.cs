using System.Globalization;

namespace DbDoctor.Telemetry.ServerProbe;

/// <summary>What the database server says about closing idle sessions. Null seconds = the setting is off (0) or unknown.</summary>
public sealed record ServerTimeouts
{
    /// <summary>PostgreSQL idle_session_timeout: the server closes a session idle (outside a transaction) this long.</summary>
    public double? IdleSessionTimeoutSeconds { get; init; }

    /// <summary>PostgreSQL idle_in_transaction_session_timeout: the server closes a session idle inside a transaction.</summary>
    public double? IdleInTransactionSessionTimeoutSeconds { get; init; }

    /// <summary>The raw values as SHOW printed them ("5s", "0"), for the evidence.</summary>
    public string? IdleSessionTimeoutText { get; init; }
    public string? IdleInTransactionSessionTimeoutText { get; init; }

    /// <summary>Where the values came from, e.g. "SHOW idle_session_timeout on Host=127.0.0.1;Port=5432;Database=app".</summary>
    public required string Source { get; init; }
}

/// <summary>Durations as PostgreSQL prints them and as users type them: "60", "60s", "1min", "500ms", "2h", "1d".</summary>
public static class DurationText
{
    /// <summary>Parses to seconds. A bare number means <paramref name="bareUnitSeconds"/> (PostgreSQL's *_timeout settings are in ms).</summary>
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
