using DbDoctor.Drivers;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>Each profile reads its own exceptions; plain I/O errors are read the same for every driver.</summary>
public class ErrorClassificationTests
{
    [Theory]
    [InlineData("Npgsql.PostgresException", "57P05: terminating connection due to idle-session timeout", ErrorKind.ServerClosedSession, "Npgsql")]
    [InlineData("Npgsql.NpgsqlException", "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 10) or 'Timeout' (currently 15 seconds) in your connection string.", ErrorKind.PoolTimeout, "Npgsql")]
    [InlineData("Npgsql.NpgsqlException", "Failed to connect to 127.0.0.1:1", ErrorKind.ConnectFailed, "Npgsql")]
    [InlineData("Npgsql.PostgresException", "53300: sorry, too many clients already", ErrorKind.ConnectFailed, "Npgsql")]
    [InlineData("System.InvalidOperationException", "Timeout expired.  The timeout period elapsed prior to obtaining a connection from the pool.", ErrorKind.PoolTimeout, "Microsoft.Data.SqlClient")]
    [InlineData("Microsoft.Data.SqlClient.SqlException", "A transport-level error has occurred when receiving results from the server.", ErrorKind.ServerClosedSession, "Microsoft.Data.SqlClient")]
    [InlineData("Microsoft.Data.Sqlite.SqliteException", "SQLite Error 14: 'unable to open database file'.", ErrorKind.ConnectFailed, "Microsoft.Data.Sqlite")]
    [InlineData("MySqlConnector.MySqlException", "Connect Timeout expired. All pooled connections are in use.", ErrorKind.PoolTimeout, "MySqlConnector")]
    [InlineData("MySqlConnector.MySqlException", "Failed to read the result set.", ErrorKind.ServerClosedSession, "MySqlConnector")]
    [InlineData("System.IO.EndOfStreamException", "An incomplete response was received from the server. Expected to read 4 header bytes but only received 0.", ErrorKind.ServerClosedSession, "MySqlConnector")]
    [InlineData("MySqlConnector.MySqlException", "The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.", ErrorKind.ServerClosedSession, "MySqlConnector")]
    [InlineData("MySqlConnector.MySqlException", "Too many connections", ErrorKind.ConnectFailed, "MySqlConnector")]
    [InlineData("MySqlConnector.MySqlException", "Table 'shop.x' doesn't exist", ErrorKind.None, "MySqlConnector")]
    [InlineData("System.Net.Sockets.SocketException", "Connection reset by peer", ErrorKind.ServerClosedSession, null)]
    [InlineData("System.IO.EndOfStreamException", "Attempted to read past the end of the stream.", ErrorKind.ServerClosedSession, null)]
    [InlineData("System.Net.Sockets.SocketException", "Connection refused", ErrorKind.ConnectFailed, null)]
    [InlineData("Npgsql.PostgresException", "42P01: relation \"x\" does not exist", ErrorKind.None, "Npgsql")]
    [InlineData("System.InvalidOperationException", "Sequence contains no elements", ErrorKind.None, null)]
    public void Exceptions_are_classified_and_owned_by_the_driver_that_explains_them(string type, string message, ErrorKind kind, string? owner)
    {
        var catalog = DriverCatalog.Default;

        Assert.Equal(kind, catalog.Classify(type, message));
        Assert.Equal(owner, catalog.OwnerOfError(type, message)?.Name);
    }
}
