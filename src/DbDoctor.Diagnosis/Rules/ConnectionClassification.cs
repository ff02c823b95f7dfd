using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Which finding a checked-out connection belongs to. Each checked-out connection lands in exactly one kind, so the
/// leak counts add up to the pool's orphaned count and the exhaustion evidence can name the cause.
/// </summary>
public static class ConnectionClassification
{
    /// <summary>The finding kind for a checked-out (or recovered) connection, or null for one that is idle or in ordinary use.</summary>
    public static string? KindOf(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!connection.CheckedOut)
        {
            // Recovered by the driver: the pool counts it idle, the server still holds its transaction. Not orphaned in
            // the pool's counts, but the leak it came from, reported once (it is one session either way).
            return connection.Recovered && connection.Transaction is { Open: true } ? FindingKinds.LeakedTransaction : null;
        }

        if (connection.Held)
        {
            // A held connection with a command in flight is a request running at the moment of the snapshot, reached
            // through its async machinery: ordinary use, not a connection the application keeps checked out.
            return connection.InFlight ? null : FindingKinds.HeldConnection;
        }

        if (connection.Transaction is { Open: true })
        {
            return FindingKinds.LeakedTransaction;
        }

        return connection.Reader is { Open: true } ? FindingKinds.LeakedReader : FindingKinds.LeakedConnection;
    }
}
