using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// The server's own view of leaked connections (attach --server), joined to the heap's connections by the server
/// process id: how the server lists each session, and for how long it has been so. Driver-neutral: the view's name and
/// the states come from the server's answer.
/// </summary>
internal static class ServerSessionEvidence
{
    private const int QueryChars = 80;

    /// <summary>Was the server asked about this connection's session? (Then its answer, or its silence, is the truth.)</summary>
    public static bool Asked(ServerSessionFacts? server, ConnectionFact connection) =>
        server is not null && connection.ServerPid is { } pid && server.AskedPids.Contains(pid);

    /// <summary>The session's state as the server lists it ("'idle in transaction'"), for the state tally.</summary>
    public static string StateOf(ServerSessionFacts server, int serverPid) =>
        server.Find(serverPid) is { } session ? Quoted(session.State ?? "unknown") : "not listed by the server";

    /// <summary>"Server sessions (&lt;view&gt; on Host=...): pid 4318 'idle in transaction' for 12 s (transaction open 14 s), ..."</summary>
    public static string? Line(ServerSessionFacts? server, IReadOnlyList<ConnectionFact> connections, int max)
    {
        if (server is null)
        {
            return null;
        }

        var asked = connections.Where(c => Asked(server, c)).OrderBy(c => c.ServerPid).ToList();
        if (asked.Count == 0)
        {
            return null;
        }

        return $"Server sessions ({server.Source}): " + Text.List(asked.Select(c => Describe(server, c)), max);
    }

    private static string Describe(ServerSessionFacts server, ConnectionFact connection)
    {
        var pid = connection.ServerPid!.Value.ToString(CultureInfo.InvariantCulture);
        if (server.Find(connection.ServerPid.Value) is not { } session)
        {
            return $"pid {pid} not listed by the server (the session is gone, or the connection is to another server)";
        }

        var text = $"pid {pid} {Quoted(session.State ?? "unknown")}";
        if (server.SecondsSince(session.StateChange) is { } inState)
        {
            text += " for " + Text.Duration(inState);
        }

        var details = new List<string>();
        if (server.SecondsSince(session.TransactionStart) is { } inTransaction)
        {
            details.Add("transaction open " + Text.Duration(inTransaction));
        }

        if (session.RowsLocked is { } rows)
        {
            details.Add(Wording.Count((int)Math.Min(rows, int.MaxValue), "row") + " locked");
        }

        // The heap may have lost the last command (it was garbage); the server still shows it.
        if (connection.Sql is null && !string.IsNullOrWhiteSpace(session.Query))
        {
            details.Add($"last query '{Text.Truncate(Text.OneLine(session.Query), QueryChars)}'");
        }

        return details.Count == 0 ? text : $"{text} ({string.Join("; ", details)})";
    }

    private static string Quoted(string state) => $"'{state}'";
}
