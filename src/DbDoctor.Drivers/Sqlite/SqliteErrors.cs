namespace DbDoctor.Drivers;

/// <summary>Microsoft.Data.Sqlite's exceptions: an in-process database has no session a server could close.</summary>
internal sealed class SqliteErrors : ErrorClassifier
{
    public override bool OwnsExceptionType(string exceptionType) => exceptionType.StartsWith("Microsoft.Data.Sqlite.", StringComparison.Ordinal);

    // SQLITE_CANTOPEN (14): the database file could not be opened.
    protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } = [("unable to open database file", ErrorKind.ConnectFailed)];

    /// <summary>Only its own exceptions: the marker is plain English another driver's message might contain.</summary>
    public override ErrorKind Classify(string? exceptionType, string? message) =>
        exceptionType is not null && OwnsExceptionType(exceptionType) ? base.Classify(exceptionType, message) : ErrorKind.None;
}
