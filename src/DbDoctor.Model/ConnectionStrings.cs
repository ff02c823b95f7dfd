using System.Text;

namespace DbDoctor.Model;

/// <summary>
/// Removes secrets from ADO.NET connection strings before anything shows them. Every place that turns a
/// connection string into text goes through here.
/// </summary>
public static class ConnectionStrings
{
    private static readonly HashSet<string> SecretKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "pwd", "passwd", "passfile", "ssl password", "sslpassword", "sslkey", "ssl key",
        "access token", "accesstoken", "token", "secret", "client secret", "key",
    };

    public const string Mask = "***";

    /// <summary>Returns the connection string with the value of every secret keyword replaced by ***.</summary>
    public static string Redact(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString ?? "";
        }

        var parts = SplitPairs(connectionString);
        var sb = new StringBuilder();
        foreach (var (key, value) in parts)
        {
            if (sb.Length > 0)
            {
                sb.Append(';');
            }

            sb.Append(key);
            if (value is null)
            {
                continue;
            }

            sb.Append('=');
            sb.Append(SecretKeys.Contains(key.Trim()) ? Mask : value);
        }

        return sb.ToString();
    }

    /// <summary>Reads one keyword's value (case-insensitive), or null.</summary>
    public static string? GetValue(string? connectionString, params string[] keys)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return null;
        }

        foreach (var (key, value) in SplitPairs(connectionString))
        {
            if (value is not null && keys.Any(k => string.Equals(k, key.Trim(), StringComparison.OrdinalIgnoreCase)))
            {
                return value.Trim().Trim('"', '\'');
            }
        }

        return null;
    }

    /// <summary>The keyword/value pairs in order, keys and values trimmed (values keep their quotes); null value for a part without '='.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Pairs(string? connectionString) =>
        string.IsNullOrEmpty(connectionString)
            ? []
            : SplitPairs(connectionString).Select(p => new KeyValuePair<string, string?>(p.Key.Trim(), p.Value?.Trim())).ToList();

    /// <summary>
    /// The database endpoint a connection string names: the first host (of a failover list "a,b", without a "tcp:"
    /// prefix) and the port (the Port keyword, or the "Server=host,port" form); null without a host. The port is
    /// null when the string does not give one: the caller knows its driver's default.
    /// </summary>
    public static (string Host, int? Port)? EndpointOf(string? connectionString)
    {
        var server = GetValue(connectionString, "Host", "Server", "Data Source");
        var host = FirstHost(server);
        if (host is null)
        {
            return null;
        }

        if (int.TryParse(GetValue(connectionString, "Port"), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            return (host, port);
        }

        var parts = server!.Split(',');
        return parts.Length == 2 && int.TryParse(parts[1].Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var suffixPort)
            ? (host, suffixPort)
            : (host, null);
    }

    /// <summary>"a,b" (a failover list) or "tcp:host": the first host, bare. Null for an empty host.</summary>
    public static string? FirstHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var first = host.Split(',')[0].Trim();
        return first.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? first[4..] : first;
    }

    /// <summary>Splits on ';' outside quotes, then on the first '='. Good enough for display; not a full parser.</summary>
    private static List<(string Key, string? Value)> SplitPairs(string s)
    {
        var result = new List<(string, string?)>();
        var current = new StringBuilder();
        char quote = '\0';
        foreach (var c in s)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }

                current.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                current.Append(c);
            }
            else if (c == ';')
            {
                Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        Add(current.ToString());
        return result;

        void Add(string pair)
        {
            if (pair.Trim().Length == 0)
            {
                return;
            }

            var eq = pair.IndexOf('=');
            result.Add(eq < 0 ? (pair, null) : (pair[..eq], pair[(eq + 1)..]));
        }
    }
}
