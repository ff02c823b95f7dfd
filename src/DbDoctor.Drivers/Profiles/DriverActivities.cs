using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>
/// The driver's <c>ActivitySource</c> as <c>attach --trace</c> reads it through the DiagnosticSource bridge: the source
/// name, which tags carry the server's session id and the SQL, and what each activity name means.
/// </summary>
public sealed record DriverActivities
{
    /// <summary>The <c>ActivitySource</c> name the driver starts its activities on.</summary>
    public required string Source { get; init; }

    /// <summary>Tags holding the server's id of the session (tried in order: newer names first).</summary>
    public IReadOnlyList<string> ServerPidTags { get; init; } = [];

    /// <summary>Tags holding the command text (tried in order).</summary>
    public IReadOnlyList<string> SqlTags { get; init; } = [];

    /// <summary>Activity names (prefixes, case-insensitive) of a connection open.</summary>
    public IReadOnlyList<string> OpenNames { get; init; } = [];

    /// <summary>Activity names (prefixes, case-insensitive) of a transaction begin.</summary>
    public IReadOnlyList<string> BeginTransactionNames { get; init; } = [];

    /// <summary>
    /// True when an open activity marks each checkout from the pool (so the checkout began with the latest open); false
    /// when it marks only new physical connections (then the latest operation on the session is what began its use).
    /// </summary>
    public bool OpenIsCheckout { get; init; }

    /// <summary>Every other activity of the source is a command: "execute".</summary>
    public string OperationOf(string activityName, string? sql)
    {
        ArgumentNullException.ThrowIfNull(activityName);
        if (OpenNames.Any(n => activityName.StartsWith(n, StringComparison.OrdinalIgnoreCase)))
        {
            return TracedOperations.Open;
        }

        if (BeginTransactionNames.Any(n => activityName.StartsWith(n, StringComparison.OrdinalIgnoreCase))
            || (sql is not null && (sql.TrimStart().StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase)
                                    || sql.TrimStart().StartsWith("START TRANSACTION", StringComparison.OrdinalIgnoreCase))))
        {
            return TracedOperations.BeginTransaction;
        }

        return TracedOperations.Execute;
    }

    /// <summary>The first of <paramref name="names"/> present in <paramref name="tags"/>.</summary>
    public static string? First(IReadOnlyDictionary<string, string> tags, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(tags);
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (tags.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value))
            {
                return value;
            }
        }

        return null;
    }
}
