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
}
