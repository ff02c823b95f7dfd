namespace DbDoctor.Drivers;

/// <summary>Npgsql's exceptions and PostgreSQL's SQLSTATE codes in their messages.</summary>
internal sealed class NpgsqlErrors : ErrorClassifier
{
    protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } =
    [
        // 57P05 idle-session timeout and 57P01 terminated by administrator (a pooler or a DBA).
        ("57P05", ErrorKind.ServerClosedSession),
        ("idle-session timeout", ErrorKind.ServerClosedSession),
        ("57P01", ErrorKind.ServerClosedSession),
        ("terminating connection due to administrator command", ErrorKind.ServerClosedSession),
        ("Exception while reading from stream", ErrorKind.ServerClosedSession),
        ("Exception while writing to stream", ErrorKind.ServerClosedSession),
        ("connection pool has been exhausted", ErrorKind.PoolTimeout),
        ("Failed to connect to", ErrorKind.ConnectFailed),

        // 53300 too_many_connections, 28P01 invalid_password, 3D000 invalid_catalog_name: the server refused the session.
        ("53300", ErrorKind.ConnectFailed),
        ("28P01", ErrorKind.ConnectFailed),
        ("3D000", ErrorKind.ConnectFailed),
    ];

    public override bool OwnsExceptionType(string exceptionType) => exceptionType.StartsWith("Npgsql.", StringComparison.Ordinal);
}
