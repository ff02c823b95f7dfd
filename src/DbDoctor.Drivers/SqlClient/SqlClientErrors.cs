namespace DbDoctor.Drivers;

/// <summary>
/// SqlClient's exceptions. Its pool timeout is a plain System.InvalidOperationException: only the message tells it is
/// the pool's, so the message, not the type, assigns it to this driver.
/// </summary>
internal sealed class SqlClientErrors : ErrorClassifier
{
    protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } =
    [
        ("prior to obtaining a connection from the pool", ErrorKind.PoolTimeout),
        ("A transport-level error has occurred", ErrorKind.ServerClosedSession),
        ("The connection is broken", ErrorKind.ServerClosedSession),
        ("A network-related or instance-specific error occurred while establishing a connection", ErrorKind.ConnectFailed),
    ];

    public override bool OwnsExceptionType(string exceptionType) =>
        exceptionType.StartsWith("Microsoft.Data.SqlClient.", StringComparison.Ordinal);
}
