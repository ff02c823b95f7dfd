using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Which finding a checked-out connection belongs to. Each checked-out connection lands in exactly one kind, so the
/// leak counts add up to the pool's orphaned count and the exhaustion evidence can name the cause.
/// </summary>
public static class ConnectionClassification
{
    /// <summary>The finding kind for a checked-out connection, or null for one that is not checked out.</summary>
    public static string? KindOf(ConnectionFact connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!connection.CheckedOut)
        {
            return null;
        }

        if (connection.Held)
        {
            return FindingKinds.HeldConnection;
        }

        if (connection.Transaction is { Open: true })
        {
            return FindingKinds.LeakedTransaction;
        }

        return connection.Reader is { Open: true } ? FindingKinds.LeakedReader : FindingKinds.LeakedConnection;
    }
}
