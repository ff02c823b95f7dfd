using DbDoctor.Model.Facts;
using Npgsql;
using NpgsqlTypes;

namespace DbDoctor.Drivers;

/// <summary>
/// PostgreSQL's view of the target's sessions: the rows of pg_stat_activity whose backend pid is one of the heap's
/// connections (NpgsqlConnector.BackendProcessId = pg_stat_activity.pid). Durations are measured on the server's clock.
/// </summary>
internal static class NpgsqlServerSessions
{
    public const string View = "pg_stat_activity";

    // Only the asked pids: other clients' sessions and their SQL are none of dbdoctor's business. The outer row carries
    // the server's clock even when no session matches (then pid is null).
    private const string Query =
        "SELECT statement_timestamp(), a.pid, a.state, a.state_change, a.xact_start, a.query, a.application_name " +
        "FROM (SELECT 1) AS one LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = ANY(@pids) ORDER BY a.pid";

    public static async Task<ServerSessionFacts> ReadAsync(
        NpgsqlConnection connection, IReadOnlyCollection<int> pids, string source, CancellationToken cancellationToken)
    {
        var asked = pids.Distinct().Order().ToArray();
        await using var command = new NpgsqlCommand(Query, connection);
        command.Parameters.Add(new NpgsqlParameter<int[]>("pids", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = asked });
        var sessions = new List<ServerSessionFact>();
        var serverTime = DateTimeOffset.UtcNow;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                serverTime = reader.GetFieldValue<DateTimeOffset>(0);
                if (reader.IsDBNull(1))
                {
                    continue;
                }

                sessions.Add(new ServerSessionFact
                {
                    ServerPid = reader.GetInt32(1),
                    State = reader.IsDBNull(2) ? null : reader.GetString(2),
                    StateChange = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
                    TransactionStart = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                    Query = reader.IsDBNull(5) ? null : reader.GetString(5),
                    ApplicationName = reader.IsDBNull(6) ? null : reader.GetString(6),
                });
            }
        }

        return new ServerSessionFacts { Source = source, ServerTime = serverTime, AskedPids = asked, Sessions = sessions };
    }
}
