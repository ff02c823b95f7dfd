using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Npgsql;

namespace DbDoctor.Drivers;

/// <summary>
/// Asks a PostgreSQL server, over one short unpooled connection per question, for the timeouts after which it closes
/// idle sessions (the effective values for the connecting role and database: ALTER ROLE/DATABASE ... SET apply) and
/// for its view of the target's sessions (<see cref="NpgsqlServerSessions"/>).
/// </summary>
internal sealed class NpgsqlServerProbe : ServerProbe
{
    public override async Task<ServerTimeouts> AskAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = Builder(connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var idle = await ShowAsync(connection, "idle_session_timeout", cancellationToken).ConfigureAwait(false);
            var idleInTransaction = await ShowAsync(connection, "idle_in_transaction_session_timeout", cancellationToken).ConfigureAwait(false);
            return new ServerTimeouts
            {
                IdleSessionTimeoutText = idle,
                IdleSessionTimeoutSeconds = ToSeconds(idle),
                IdleInTransactionSessionTimeoutText = idleInTransaction,
                IdleInTransactionSessionTimeoutSeconds = ToSeconds(idleInTransaction),
                Source = $"SHOW idle_session_timeout on {Endpoint(builder)}",
            };
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw Failed("for its idle timeouts", connectionString, e);
        }
    }

    public override async Task<ServerSessionFacts?> ReadSessionsAsync(string connectionString, IReadOnlyCollection<int> serverPids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(serverPids);
        var builder = Builder(connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await NpgsqlServerSessions.ReadAsync(connection, serverPids, $"{NpgsqlServerSessions.View} on {Endpoint(builder)}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            throw Failed($"for its view of the sessions ({NpgsqlServerSessions.View})", connectionString, e);
        }
    }

    private static NpgsqlConnectionStringBuilder Builder(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        try
        {
            // A probe must not leave a pool of its own behind, nor wait the default 15 s for a dead host.
            return new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5, CommandTimeout = 5 };
        }
        catch (ArgumentException e)
        {
            throw new DbDoctorInputException(
                $"The --server connection string '{ConnectionStrings.Redact(connectionString)}' is not valid for PostgreSQL: {Redacted(e.Message, connectionString)}");
        }
    }

    private static DbDoctorInputException Failed(string what, string connectionString, Exception e) =>
        new($"Could not ask the server '{ConnectionStrings.Redact(connectionString)}' {what}: {Redacted(e.Message, connectionString)}", e);

    private static async Task<string?> ShowAsync(NpgsqlConnection connection, string setting, CancellationToken cancellationToken)
    {
        // current_setting(name, missing_ok) instead of SHOW: idle_session_timeout exists from PostgreSQL 14 on, and an
        // older server answers NULL instead of failing.
        await using var command = new NpgsqlCommand($"SELECT current_setting('{setting}', true)", connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value as string;
    }

    /// <summary>"0" means disabled. PostgreSQL prints these settings with a unit; a bare number is milliseconds.</summary>
    private static double? ToSeconds(string? text) =>
        DurationText.TryParseSeconds(text, out var seconds, bareUnitSeconds: 1e-3) && seconds > 0 ? seconds : null;

    private static string Endpoint(NpgsqlConnectionStringBuilder builder) =>
        $"Host={builder.Host};Port={builder.Port};Database={builder.Database}";

    /// <summary>A driver message could quote the connection string; never let its password through.</summary>
    private static string Redacted(string message, string connectionString)
    {
        var password = ConnectionStrings.GetValue(connectionString, "Password", "Pwd");
        return string.IsNullOrEmpty(password) ? message : message.Replace(password, ConnectionStrings.Mask, StringComparison.Ordinal);
    }
}
