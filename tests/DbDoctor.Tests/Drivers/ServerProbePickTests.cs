using DbDoctor.Drivers;

namespace DbDoctor.Tests.Drivers;

/// <summary>`--server` is asked through the driver whose pools talk to that server, whatever else the process loads.</summary>
public class ServerProbePickTests
{
    private static readonly DriverCatalog Catalog = DriverCatalog.Default;

    [Fact]
    public void The_driver_whose_pool_talks_to_the_servers_endpoint_is_picked_among_loaded_drivers()
    {
        // The test app loads Npgsql too (registered first), but only MySqlConnector has a pool.
        (string, string?, int?)[] pools = [("MySqlConnector", "127.0.0.1", 41234)];

        var picked = Catalog.ServerProbeFor("Server=127.0.0.1;Port=41234;User ID=u;Password=p", pools, ["Npgsql", "MySqlConnector"]);

        Assert.Equal("MySqlConnector", picked?.Name);
    }

    [Fact]
    public void With_pools_of_two_drivers_the_endpoint_decides_and_default_ports_count()
    {
        (string, string?, int?)[] pools = [("Npgsql", "db1", null), ("MySqlConnector", "db2", null)];

        Assert.Equal("Npgsql", Catalog.ServerProbeFor("Host=db1;Username=u", pools, [])?.Name);
        Assert.Equal("MySqlConnector", Catalog.ServerProbeFor("Server=db2;Port=3306;User ID=u", pools, [])?.Name);
    }

    [Fact]
    public void Without_pools_the_loaded_drivers_decide()
    {
        Assert.Equal("MySqlConnector", Catalog.ServerProbeFor("Server=db;User ID=u", [], ["MySqlConnector", "Microsoft.Data.Sqlite"])?.Name);
    }
}
