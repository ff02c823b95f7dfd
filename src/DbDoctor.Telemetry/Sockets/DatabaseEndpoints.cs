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
            if (ConnectionStrings.FirstHost(pool.Host) is { } host && (pool.Port ?? DefaultPort(pool.Driver)) is { } port)
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
        if (ConnectionStrings.EndpointOf(connectionString) is not { } endpoint)
        {
            return null;
        }

        var port = endpoint.Port ?? DefaultPort(driver);
        return port is null ? null : new DatabaseEndpoint(endpoint.Host, port.Value, source);
    }

    private static int? DefaultPort(string driver) =>
        driver.Contains("npgsql", StringComparison.OrdinalIgnoreCase) ? 5432
        : driver.Contains("sqlclient", StringComparison.OrdinalIgnoreCase) ? 1433
        : null;
}
