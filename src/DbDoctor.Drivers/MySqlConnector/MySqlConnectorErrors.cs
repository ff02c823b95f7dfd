namespace DbDoctor.Drivers;

/// <summary>
/// MySqlConnector's exceptions. A <c>MySqlException</c> carries the server's (or the driver's) error number in
/// <c>ErrorCode</c>, not in its message, and the runtime's exception events carry only type and message: the markers
/// are the message texts that go with each code.
/// </summary>
internal sealed class MySqlConnectorErrors : ErrorClassifier
{
    protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } =
    [
        // The pool's wait timed out (UnableToConnectToHost, with this sentence only when every slot is leased).
        ("All pooled connections are in use", ErrorKind.PoolTimeout),

        // The server or a proxy closed the session: end of stream while reading a packet header (EndOfStreamException,
        // wrapped as "Failed to read the result set."), 4031 ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8.0.24+ says why it
        // closed), 2013 CR_SERVER_LOST, 2006 CR_SERVER_GONE_ERROR, 1927 ER_CONNECTION_KILLED (MariaDB).
        ("Expected to read 4 header bytes", ErrorKind.ServerClosedSession),
        ("Failed to read the result set", ErrorKind.ServerClosedSession),
        ("disconnected by the server because of inactivity", ErrorKind.ServerClosedSession),
        ("Lost connection to MySQL server", ErrorKind.ServerClosedSession),
        ("MySQL server has gone away", ErrorKind.ServerClosedSession),
        ("Connection was killed", ErrorKind.ServerClosedSession),

        // Opening a session failed: 1040 ER_CON_COUNT_ERROR, 1045 ER_ACCESS_DENIED_ERROR, 1049 ER_BAD_DB_ERROR, and the
        // driver's own UnableToConnectToHost.
        ("Too many connections", ErrorKind.ConnectFailed),
        ("Access denied for user", ErrorKind.ConnectFailed),
        ("Unknown database", ErrorKind.ConnectFailed),
        ("Unable to connect to any of the specified MySQL hosts", ErrorKind.ConnectFailed),
        ("Connect Timeout expired", ErrorKind.ConnectFailed),
    ];

    public override bool OwnsExceptionType(string exceptionType) => exceptionType.StartsWith("MySqlConnector.", StringComparison.Ordinal);
}
