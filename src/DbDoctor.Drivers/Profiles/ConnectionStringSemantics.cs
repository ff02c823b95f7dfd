using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>
/// What a driver's connection-string keywords mean: their names, the pool's defaults, the default port. The base class
/// is the generic ADO.NET reading (common keyword names, no defaults it could vouch for).
/// </summary>
public class ConnectionStringSemantics
{
    /// <summary>The port the driver connects to when the connection string names none; null for no network or unknown.</summary>
    public virtual int? DefaultPort => null;

    public virtual string PoolingKeyword => "Pooling";
    public virtual string MinPoolSizeKeyword => "Min Pool Size";
    public virtual string MaxPoolSizeKeyword => "Max Pool Size";

    /// <summary>The keyword (or, when the driver has none, a description) of how long an idle connection stays pooled.</summary>
    public virtual string IdleLifetimeKeyword => "the idle lifetime";
    public virtual string LifetimeKeyword => "Connection Lifetime";

    /// <summary>The idle lifetime to recommend raising a short one to, in the driver's words.</summary>
    public virtual string DefaultIdleLifetimeText => "a few minutes";

    /// <summary>Keywords naming the database, then the host, in the order the driver reads them.</summary>
    public virtual IReadOnlyList<string> DatabaseKeywords { get; } = ["Database", "Initial Catalog", "DB"];
    public virtual IReadOnlyList<string> HostKeywords { get; } = ["Host", "Server", "Data Source"];

    /// <summary>
    /// The longest a connection can sit idle in this pool before the driver closes it; null when unknown (the
    /// driver's pruning is not known, or the pool never prunes and keeps idle connections indefinitely).
    /// </summary>
    public virtual double? MaxIdleSeconds(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.IdleLifetimeSeconds;
    }

    /// <summary>The pool's idle setting as evidence shows it, e.g. "Connection Idle Lifetime=300 s (default)".</summary>
    public virtual string DescribeIdleLifetime(PoolFact pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.IdleLifetimeSeconds is { } idle ? $"idle lifetime={Number(idle)} s" : "idle lifetime unknown";
    }

    /// <summary>
    /// The setting (e.g. "Connection Reset=true (the default)") under which the pool checks a pooled connection when it
    /// hands it out and replaces one the server has closed, swallowing the error; null when the pool hands connections
    /// out unchecked. Under such a setting, "server closed the session" errors seen in the telemetry are the driver's own
    /// first-chance exceptions, not failed commands.
    /// </summary>
    public virtual string? ReplacesClosedSessionsOnLease(PoolFact pool) => null;

    /// <summary>The value of the first keyword present, e.g. the database of a pool name.</summary>
    public string? Database(string? connectionString) => ConnectionStrings.GetValue(connectionString, [.. DatabaseKeywords]);

    public string? Host(string? connectionString) => ConnectionStrings.GetValue(connectionString, [.. HostKeywords]);

    /// <summary>As findings print numbers: "300", "2.5".</summary>
    protected static string Number(double value) =>
        value.ToString(Math.Abs(value - Math.Round(value)) < 1e-9 ? "0" : "0.0", CultureInfo.InvariantCulture);

    /// <summary>A positive number of seconds the connection string gives under one of <paramref name="keywords"/>.</summary>
    protected static double? Seconds(string? connectionString, params string[] keywords) =>
        double.TryParse(ConnectionStrings.GetValue(connectionString, keywords), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : null;
}
