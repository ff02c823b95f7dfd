using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>
/// The database endpoints whose sockets to count, from everything attach knows: the pools in the heap (a driver may
/// keep an unpooled data source per Pooling=false connection string, so the heap names the endpoint even when there is
/// no pool and no metric), the pool names in the telemetry, and --server (read as its probing driver's).
/// </summary>
public static class DatabaseEndpoints
{
    public static IReadOnlyList<DatabaseEndpoint> From(
        HeapFacts? heap, TelemetryFacts? telemetry, string? serverConnectionString, string? serverDriver = null, DriverCatalog? drivers = null)
    {
        drivers ??= DriverCatalog.Default;
        var endpoints = new List<DatabaseEndpoint>();
        foreach (var pool in heap?.Pools ?? [])
        {
            if (ConnectionStrings.FirstHost(pool.Host) is { } host && (pool.Port ?? drivers.Resolve(pool.Driver).ConnectionStrings.DefaultPort) is { } port)
            {
                endpoints.Add(new DatabaseEndpoint(host, port, EndpointSources.Pool));
            }
        }

        foreach (var series in telemetry?.Pools ?? [])
        {
            if (FromConnectionString(series.Name, drivers.Resolve(series.Driver), EndpointSources.Telemetry) is { } endpoint)
            {
                endpoints.Add(endpoint);
            }
        }

        if (FromConnectionString(serverConnectionString, drivers.Resolve(serverDriver ?? drivers.ServerProbeFor([])?.Name), EndpointSources.ServerOption) is { } server)
        {
            endpoints.Add(server);
        }

        return endpoints;
    }

    public static DatabaseEndpoint? FromConnectionString(string? connectionString, DriverProfile driver, string source)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (ConnectionStrings.EndpointOf(connectionString) is not { } endpoint)
        {
            return null;
        }

        var port = endpoint.Port ?? driver.ConnectionStrings.DefaultPort;
        return port is null ? null : new DatabaseEndpoint(endpoint.Host, port.Value, source);
    }
}
