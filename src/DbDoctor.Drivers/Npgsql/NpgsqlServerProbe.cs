using DbDoctor.Model;
using Npgsql;

namespace DbDoctor.Drivers;

/// <summary>
/// Asks a PostgreSQL server for the timeouts after which it closes idle sessions, over one short unpooled connection.
/// The answer is the effective value for the connecting role and database (ALTER ROLE/DATABASE ... SET apply).
/// </summary>
internal sealed class NpgsqlServerProbe : ServerProbe
{
    public override async Task<ServerTimeouts> AskAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var redacted = ConnectionStrings.Redact(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            // A probe must not leave a pool of its own behind, nor wait the default 15 s for a dead host.
            builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 5, CommandTimeout = 5 };
        }
        catch (ArgumentException e)
        {
            throw new DbDoctorInputException($"The --server connection string '{redacted}' is not valid for PostgreSQL: {Redacted(e.Message, connectionString)}");
        }

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
            throw new DbDoctorInputException($"Could not ask the server '{redacted}' for its idle timeouts: {Redacted(e.Message, connectionString)}", e);
        }
    }

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
