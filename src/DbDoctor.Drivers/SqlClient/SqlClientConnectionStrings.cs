using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>
/// SqlClient's pool keywords and defaults. It has no idle-lifetime keyword: the pool closes idle connections on its own
/// after 4 to 8 minutes (its cleanup timer), and Connection Lifetime is a total age checked when a connection returns.
/// </summary>
internal sealed class SqlClientConnectionStrings : ConnectionStringSemantics
{
    /// <summary>The longest an idle connection survives the pool's cleanup timer (two periods of 2-4 minutes each).</summary>
    public const double MaxIdleCleanupSeconds = 8 * 60;

    public override int? DefaultPort => 1433;
    public override string IdleLifetimeKeyword => "(idle connections are removed after 4-8 minutes)";
    public override string DefaultIdleLifetimeText => "the default";
    public override IReadOnlyList<string> DatabaseKeywords { get; } = ["Initial Catalog", "Database"];
    public override IReadOnlyList<string> HostKeywords { get; } = ["Data Source", "Server", "Address", "Addr"];

    public override double? MaxIdleSeconds(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return MaxIdleCleanupSeconds;
    }

    public override string DescribeIdleLifetime(PoolFact pool) => "idle connections closed after 4-8 minutes (the driver's cleanup timer, not configurable)";
}
