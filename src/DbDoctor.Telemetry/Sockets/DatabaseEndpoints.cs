using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>
/// The database endpoints whose sockets to count, from everything attach knows: the pools in the heap (with
/// Pooling=false Npgsql still keeps an UnpooledDataSource per connection string in its PoolManager, so the heap names
/// the endpoint even when there is no pool and no metric), the pool names in the telemetry, and --server.
/// </summary>
public static class DatabaseEndpoints
{
    public static IReadOnlyList<DatabaseEndpoint> From(HeapFacts? heap, TelemetryFacts? telemetry, string? serverConnectionString)
    {
        var endpoints = new List<DatabaseEndpoint>();
        foreach (var pool in heap?.Pools ?? [])
        {
            if (FirstHost(pool.Host) is { } host && (pool.Port ?? DefaultPort(pool.Driver)) is { } port)
            {
                endpoints.Add(new DatabaseEndpoint(host, port, EndpointSources.Pool));
            }
        }

        foreach (var series in telemetry?.Pools ?? [])
        {
            if (FromConnectionString(series.Name, series.Driver, EndpointSources.Telemetry) is { } endpoint)
            {
                endpoints.Add(endpoint);
            }
        }

        if (FromConnectionString(serverConnectionString, "Npgsql", EndpointSources.ServerOption) is { } server)
        {
            endpoints.Add(server);
        }

        return endpoints;
    }

    public static DatabaseEndpoint? FromConnectionString(string? connectionString, string driver, string source)
    {
        var host = FirstHost(ConnectionStrings.GetValue(connectionString, "Host", "Server", "Data Source"));
        if (host is null)
        {
            return null;
        }

        var port = int.TryParse(ConnectionStrings.GetValue(connectionString, "Port"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)
            ? p
            : DefaultPort(driver);
        return port is null ? null : new DatabaseEndpoint(host, port.Value, source);
    }

    /// <summary>"a,b" (a failover list) or "tcp:host": the first host, bare. Null for an empty host.</summary>
    private static string? FirstHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var first = host.Split(',')[0].Trim();
        return first.StartsWith("tcp:", StringComparison.OrdinalIgnoreCase) ? first[4..] : first;
    }

    private static int? DefaultPort(string driver) =>
        driver.Contains("npgsql", StringComparison.OrdinalIgnoreCase) ? 5432
        : driver.Contains("sqlclient", StringComparison.OrdinalIgnoreCase) ? 1433
        : null;
}
