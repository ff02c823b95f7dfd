using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>MySqlConnector's pool keywords and defaults (its connection-string documentation).</summary>
internal sealed class MySqlConnectorConnectionStrings : ConnectionStringSemantics
{
    /// <summary>Connection Idle Timeout when the connection string sets none.</summary>
    public const double DefaultIdleTimeoutSeconds = 180;

    public override int? DefaultPort => 3306;
    public override string MinPoolSizeKeyword => "Minimum Pool Size";
    public override string MaxPoolSizeKeyword => "Maximum Pool Size";
    public override string IdleLifetimeKeyword => "Connection Idle Timeout";
    public override string DefaultIdleLifetimeText => "180 (the default)";

    public override double? MaxIdleSeconds(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.IdleLifetimeSeconds ?? DefaultIdleTimeoutSeconds;
    }

    public override string DescribeIdleLifetime(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var idle = pool.IdleLifetimeSeconds ?? DefaultIdleTimeoutSeconds;
        return $"Connection Idle Timeout={Number(idle)} s{(pool.IdleLifetimeSeconds is null ? " (default)" : "")}";
    }

    /// <summary>
    /// With Connection Reset=true (the default) MySqlConnector resets each pooled session when it leases it; a session the
    /// server closed fails the reset (a SocketException it catches), is thrown away and replaced by a new one, and the
    /// caller's command runs on that: nothing fails. Measured on MariaDB 10.11 (wait_timeout 2 s, 4 s pauses): with true the
    /// application saw no error, with false its command failed with "Connection reset by peer".
    /// </summary>
    public override string? ReplacesClosedSessionsOnLease(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var text = ConnectionStrings.GetValue(pool.ConnectionString ?? pool.Name, "Connection Reset", "ConnectionReset");
        return text?.Trim().ToUpperInvariant() switch
        {
            null => "Connection Reset=true (the default)",
            "TRUE" or "YES" or "ON" or "1" => "Connection Reset=true",
            _ => null,
        };
    }
}
