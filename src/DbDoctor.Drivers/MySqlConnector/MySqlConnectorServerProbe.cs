using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using MySqlConnector;

namespace DbDoctor.Drivers;

/// <summary>
/// Asks a MySQL or MariaDB server (`--server`) over one short unpooled connection: after how long it closes idle
/// sessions (wait_timeout; interactive_timeout for clients that connect as interactive, which MySqlConnector does only
/// with Interactive Session=true), and the sessions of the heap's connections (information_schema.processlist) with their
/// open InnoDB transactions (information_schema.innodb_trx), by the thread id MySqlConnector keeps in each ServerSession.
/// </summary>
internal sealed class MySqlConnectorServerProbe : ServerProbe
{
    public override async Task<ServerTimeouts> AskAsync(string connectionString, CancellationToken cancellationToken)
    {
        var (builder, redacted) = Parse(connectionString);
        try
        {
            await using var connection = await OpenAsync(builder, cancellationToken).ConfigureAwait(false);
            await using var command = new MySqlCommand("SELECT @@wait_timeout, @@interactive_timeout", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var wait = Convert.ToDouble(reader.GetValue(0), CultureInfo.InvariantCulture);
            var interactive = Convert.ToDouble(reader.GetValue(1), CultureInfo.InvariantCulture);
            var text = $"wait_timeout={Number(wait)}, interactive_timeout={Number(interactive)}";
            return new ServerTimeouts
            {
                // The server closes a session idle this long whether or not a transaction is open in it.
                IdleSessionTimeoutSeconds = wait > 0 ? wait : null,
                IdleSessionTimeoutText = text,
                IdleInTransactionSessionTimeoutSeconds = wait > 0 ? wait : null,
                IdleInTransactionSessionTimeoutText = text,
                Source = $"SELECT @@wait_timeout ({text}) on {Endpoint(builder)}",
            };
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException or TimeoutException or InvalidCastException or FormatException)
        {
            throw new DbDoctorInputException($"Could not ask the server '{redacted}' for its idle timeouts: {Redacted(e.Message, connectionString)}", e);
        }
    }

    public override async Task<ServerSessionFacts?> ReadSessionsAsync(string connectionString, IReadOnlyCollection<int> serverPids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverPids);
        var (builder, redacted) = Parse(connectionString);
        var asked = serverPids.Distinct().Order().ToArray();
        try
        {
            await using var connection = await OpenAsync(builder, cancellationToken).ConfigureAwait(false);
            var (serverTime, sessions) = await ProcessListAsync(connection, asked, cancellationToken).ConfigureAwait(false);
            var views = "information_schema.processlist";
            try
            {
                var transactions = await TransactionsAsync(connection, asked, cancellationToken).ConfigureAwait(false);
                sessions = sessions.Select(s => transactions.TryGetValue(s.ServerPid, out var t) ? s with { TransactionStart = t.Started, RowsLocked = t.RowsLocked } : s).ToList();
                views += " and innodb_trx";
            }
            catch (MySqlException)
            {
                // innodb_trx needs the PROCESS privilege: the sessions stand without their transactions (the source says so).
            }

            return new ServerSessionFacts { Source = $"{views} on {Endpoint(builder)}", ServerTime = serverTime, AskedPids = asked, Sessions = sessions };
        }
        catch (Exception e) when (e is MySqlException or InvalidOperationException or TimeoutException or InvalidCastException)
        {
            throw new DbDoctorInputException($"Could not ask the server '{redacted}' for its sessions: {Redacted(e.Message, connectionString)}", e);
        }
    }

    /// <summary>
    /// The asked threads only (other clients' sessions are none of dbdoctor's business). COMMAND is the state ("Sleep",
    /// "Query"); TIME the seconds in it, turned into a moment on the server's clock (NOW(), read in the same statement).
    /// </summary>
    private static async Task<(DateTimeOffset ServerTime, List<ServerSessionFact> Sessions)> ProcessListAsync(
        MySqlConnection connection, int[] asked, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            "SELECT NOW(6), p.ID, p.COMMAND, p.TIME, p.INFO FROM (SELECT 1) AS one LEFT JOIN information_schema.processlist AS p " +
            $"ON p.ID IN ({IdList(asked)}) ORDER BY p.ID", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var serverTime = DateTimeOffset.UtcNow;
        var sessions = new List<ServerSessionFact>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            serverTime = ServerClock(reader.GetDateTime(0));
            if (reader.IsDBNull(1))
            {
                continue;
            }

            double? seconds = reader.IsDBNull(3) ? null : Convert.ToDouble(reader.GetValue(3), CultureInfo.InvariantCulture);
            sessions.Add(new ServerSessionFact
            {
                ServerPid = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
                State = reader.IsDBNull(2) ? null : reader.GetString(2),
                StateChange = seconds is { } s ? serverTime.AddSeconds(-s) : null,
                Query = reader.IsDBNull(4) ? null : reader.GetString(4),
            });
        }

        return (serverTime, sessions);
    }

    private static async Task<Dictionary<int, (DateTimeOffset? Started, long? RowsLocked)>> TransactionsAsync(
        MySqlConnection connection, int[] asked, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(
            $"SELECT trx_mysql_thread_id, trx_started, trx_rows_locked FROM information_schema.innodb_trx WHERE trx_mysql_thread_id IN ({IdList(asked)})", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var transactions = new Dictionary<int, (DateTimeOffset?, long?)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            transactions[Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture)] = (
                reader.IsDBNull(1) ? null : ServerClock(reader.GetDateTime(1)),
                reader.IsDBNull(2) ? null : Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
        }

        return transactions;
    }

    /// <summary>Integers only, so the list can be inlined (MySQL has no array parameter).</summary>
    private static string IdList(int[] ids) => ids.Length == 0 ? "NULL" : string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// NOW() and trx_started are the server's local time without a zone; both are read the same way, so the durations
    /// between them (all the report shows) are right whatever the server's time zone.
    /// </summary>
    private static DateTimeOffset ServerClock(DateTime local) => new(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), TimeSpan.Zero);

    private static (MySqlConnectionStringBuilder Builder, string Redacted) Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var redacted = ConnectionStrings.Redact(connectionString);
        try
        {
            // A probe must not leave a pool of its own behind, nor wait the default 15 s for a dead host.
            return (new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 5, DefaultCommandTimeout = 5 }, redacted);
        }
        catch (ArgumentException e)
        {
            throw new DbDoctorInputException($"The --server connection string '{redacted}' is not valid for MySQL: {Redacted(e.Message, connectionString)}");
        }
    }

    private static async Task<MySqlConnection> OpenAsync(MySqlConnectionStringBuilder builder, CancellationToken cancellationToken)
    {
        var connection = new MySqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Endpoint(MySqlConnectionStringBuilder builder) =>
        $"Server={builder.Server};Port={builder.Port.ToString(CultureInfo.InvariantCulture)};Database={builder.Database}";

    /// <summary>A driver message could quote the connection string; never let its password through.</summary>
    private static string Redacted(string message, string connectionString)
    {
        var password = ConnectionStrings.GetValue(connectionString, "Password", "Pwd");
        return string.IsNullOrEmpty(password) ? message : message.Replace(password, ConnectionStrings.Mask, StringComparison.Ordinal);
    }
}
