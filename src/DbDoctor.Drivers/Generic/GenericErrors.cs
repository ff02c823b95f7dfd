namespace DbDoctor.Drivers;

/// <summary>
/// The generic reading of a failure: the I/O errors any driver raises when the socket it reads was closed by the
/// other side or by a device on the way, and the socket errors of a connection that could not be opened.
/// </summary>
internal sealed class GenericErrors : ErrorClassifier
{
    protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } =
    [
        ("Attempted to read past the end of the stream", ErrorKind.ServerClosedSession),
        ("Unable to read data from the transport connection", ErrorKind.ServerClosedSession),
        ("Unable to write data to the transport connection", ErrorKind.ServerClosedSession),
        ("Connection reset by peer", ErrorKind.ServerClosedSession),
        ("Broken pipe", ErrorKind.ServerClosedSession),
        ("forcibly closed by the remote host", ErrorKind.ServerClosedSession),
        ("Connection refused", ErrorKind.ConnectFailed),
        ("No such host is known", ErrorKind.ConnectFailed),
        ("Name or service not known", ErrorKind.ConnectFailed),
    ];

    public override ErrorKind Classify(string? exceptionType, string? message) =>
        // A bare EndOfStreamException is a driver reading a socket the server closed (drivers often wrap it, both are thrown).
        exceptionType is "System.IO.EndOfStreamException" ? ErrorKind.ServerClosedSession : base.Classify(exceptionType, message);
}
