namespace DbDoctor.Drivers;

/// <summary>What a failure seen in the target's exceptions means for its connections.</summary>
public enum ErrorKind
{
    None,

    /// <summary>The server (or something on the way) closed the session under a pooled connection.</summary>
    ServerClosedSession,

    /// <summary>Every connection of the pool was busy and the wait for one timed out.</summary>
    PoolTimeout,

    /// <summary>Opening a new physical connection failed (refused, unreachable, rejected by the server).</summary>
    ConnectFailed,
}

/// <summary>
/// Reads a driver's exceptions: which types are its own, and what its messages and error codes mean. A driver's
/// profile lists its own markers only; <see cref="DriverCatalog.Classify"/> falls back to the generic reading
/// (<see cref="GenericErrors"/>: the I/O errors any driver raises) when no driver claims a failure.
/// </summary>
public class ErrorClassifier
{
    /// <summary>Message fragments (texts, error codes) and what they mean, first match wins.</summary>
    protected virtual IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } = [];

    /// <summary>True for exception types this driver defines (its namespace).</summary>
    public virtual bool OwnsExceptionType(string exceptionType) => false;

    public virtual ErrorKind Classify(string? exceptionType, string? message)
    {
        if (message is null)
        {
            return ErrorKind.None;
        }

        foreach (var (marker, kind) in Markers)
        {
            if (message.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        return ErrorKind.None;
    }
}
