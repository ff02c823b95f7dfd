using System.Globalization;

namespace DbDoctor.Telemetry;

/// <summary>
/// Parses the System.Diagnostics.Metrics `tags` payload ("k=v,k=v", no escaping). A value may itself contain
/// '=', ';' and ',' (a driver's default pool name may be the whole connection string, multi-host "Host=a,b" included),
/// so a comma only starts a new tag when what follows looks like a tag key: a dotted identifier followed by '='.
/// </summary>
public static class MetricTags
{
    public static IReadOnlyDictionary<string, string> Parse(string? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(tags))
        {
            return result;
        }

        var starts = new List<int> { 0 };
        for (var i = 0; i < tags.Length; i++)
        {
            if (tags[i] == ',' && StartsWithTagKey(tags, i + 1))
            {
                starts.Add(i + 1);
            }
        }

        for (var n = 0; n < starts.Count; n++)
        {
            var end = n + 1 < starts.Count ? starts[n + 1] - 1 : tags.Length;
            var pair = tags[starts[n]..end];
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            result[pair[..eq]] = pair[(eq + 1)..];
        }

        return result;
    }

    /// <summary>True when s[start..] begins with "key=" where key is [A-Za-z_][A-Za-z0-9_.-]*.</summary>
    private static bool StartsWithTagKey(string s, int start)
    {
        if (start >= s.Length || !(char.IsAsciiLetter(s[start]) || s[start] == '_'))
        {
            return false;
        }

        for (var i = start + 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '=')
            {
                return true;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>Metrics payload numbers are strings formatted invariantly; empty means "no value yet".</summary>
    public static double? ParseNumber(object? value) => value switch
    {
        null => null,
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
