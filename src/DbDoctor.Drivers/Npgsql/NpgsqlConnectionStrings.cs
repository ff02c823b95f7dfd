using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>Npgsql's pool keywords and defaults (Npgsql 8-10 documentation, and the measured defaults of 10.0).</summary>
internal sealed class NpgsqlConnectionStrings : ConnectionStringSemantics
{
    /// <summary>Connection Idle Lifetime when the connection string sets none.</summary>
    public const double DefaultIdleLifetimeSeconds = 300;

    /// <summary>Npgsql prunes idle connections every 10 s by default: an idle connection lives up to idle lifetime + this.</summary>
    public const double DefaultPruningIntervalSeconds = 10;

    public override int? DefaultPort => 5432;
    public override string MinPoolSizeKeyword => "Minimum Pool Size";
    public override string MaxPoolSizeKeyword => "Maximum Pool Size";
    public override string IdleLifetimeKeyword => "Connection Idle Lifetime";
    public override string DefaultIdleLifetimeText => "300 (the default)";

    public override double? MaxIdleSeconds(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return (pool.IdleLifetimeSeconds ?? DefaultIdleLifetimeSeconds) + PruningIntervalSeconds(pool);
    }

    public override string DescribeIdleLifetime(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var idle = pool.IdleLifetimeSeconds ?? DefaultIdleLifetimeSeconds;
        return $"Connection Idle Lifetime={Number(idle)} s{(pool.IdleLifetimeSeconds is null ? " (default)" : "")}";
    }

    /// <summary>Not a heap fact: read from the pool's connection string (secrets removed, other keywords kept).</summary>
    private static double PruningIntervalSeconds(PoolFact pool) =>
        Seconds(pool.ConnectionString ?? pool.Name, "Connection Pruning Interval", "ConnectionPruningInterval") ?? DefaultPruningIntervalSeconds;
}
