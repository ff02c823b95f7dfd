using DbDoctor.Drivers;
using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

/// <summary>Npgsql's two knowledge families: 8.0–9.0 and 10.0 (names measured on 8.0.9, 9.0.5, 10.0.3).</summary>
public class NpgsqlFamilyTests
{
    private static readonly DriverProfile Npgsql = DriverCatalog.Default.Resolve("Npgsql");

    private const string Pool = "Host=db;Username=app;Password=hunter2;Application Name=shop";

    [Theory]
    [InlineData("8.0.9", "8.0–9.0", false)]
    [InlineData("9.0.5", "8.0–9.0", false)]
    [InlineData("10.0.3", "10.0", false)]
    [InlineData("11.0.1", "10.0", true)]
    [InlineData("7.0.10", "8.0–9.0", true)]
    public void The_family_follows_the_targets_version_and_only_unverified_versions_warn(string version, string family, bool warns)
    {
        var choice = Npgsql.Pick(version)!;

        Assert.Equal(family, choice.Family.Versions);
        Assert.Equal(warns, choice.Warning is not null);
        if (warns)
        {
            Assert.Contains($"read with the knowledge of {family}", choice.Warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Npgsql_8_and_9_meter_names_and_tags_map_onto_the_pool_sample()
    {
        var telemetry = Npgsql.Pick("8.0.9")!.Family.Telemetry;
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", telemetry, "db.client.connections.usage", $"pool.name={Pool},state=used", 10, null, 1.0);
        builder.AddMetric("Npgsql", telemetry, "db.client.connections.usage", $"pool.name={Pool},state=idle", 2, null, 1.0);
        builder.AddMetric("Npgsql", telemetry, "db.client.connections.max", $"pool.name={Pool}", 100, null, 1.0);
        builder.AddMetric("Npgsql", telemetry, "db.client.connections.timeouts", $"pool.name={Pool}", 3, null, 1.0);
        builder.AddMetric("Npgsql", telemetry, "db.client.connections.create_time", $"pool.name={Pool}", null, 4, 1.0);

        var series = Assert.Single(builder.Build([]));
        Assert.DoesNotContain("hunter2", series.Name, StringComparison.Ordinal);
        var sample = Assert.Single(series.Samples);
        Assert.Equal((10, 2, 100), (sample.Used, sample.Idle, sample.Max));
        Assert.Equal(3, sample.Timeouts);
        Assert.Equal(4, sample.ConnectionsCreated);
    }

    [Fact]
    public void Npgsql_8_and_9_per_pool_counters_name_the_connection_string_inside_the_parentheses()
    {
        var telemetry = Npgsql.Pick("9.0.5")!.Family.Telemetry;

        Assert.Equal(new PoolReading(Pool, PoolMeasure.CounterIdle), telemetry.ReadCounter($"Idle Connections ({Pool}])"));
        Assert.Equal(new PoolReading(Pool, PoolMeasure.CounterBusy), telemetry.ReadCounter($"Busy Connections ({Pool}])"));
        Assert.Equal(new PoolReading(null, PoolMeasure.CommandsPerSecond), telemetry.ReadCounter("commands-per-second"));
        Assert.Null(telemetry.ReadCounter("idle-connections-" + Pool));
    }

    [Fact]
    public void Each_family_reads_only_its_own_generation_of_names()
    {
        var old = Npgsql.Pick("8.0.9")!.Family.Telemetry;
        var current = Npgsql.Pick("10.0.3")!.Family.Telemetry;
        var oldTags = new Dictionary<string, string> { ["pool.name"] = Pool, ["state"] = "used" };
        var currentTags = new Dictionary<string, string> { ["db.client.connection.pool.name"] = Pool, ["db.client.connection.state"] = "used" };

        Assert.Equal(new PoolReading(Pool, PoolMeasure.Used), old.ReadInstrument("db.client.connections.usage", oldTags));
        Assert.Null(old.ReadInstrument("db.client.connection.count", currentTags));
        Assert.Equal(new PoolReading(Pool, PoolMeasure.Used), current.ReadInstrument("db.client.connection.count", currentTags));
        Assert.Null(current.ReadInstrument("db.client.connections.usage", oldTags));
        Assert.Equal(new PoolReading(Pool, PoolMeasure.CounterIdle), current.ReadCounter("idle-connections-" + Pool));
    }

    [Fact]
    public void Npgsql_8_and_9_list_data_sources_in_the_event_source_singleton_and_10_in_a_static()
    {
        var old = Npgsql.Pick("8.0.9")!.Family.Heap!.Registries;
        var current = Npgsql.Pick("10.0.3")!.Family.Heap!.Registries;

        var eventSource = Assert.Single(old, r => r.TypeName == "Npgsql.NpgsqlEventSource");
        Assert.Equal("Log", eventSource.FieldName);
        Assert.Equal(["_dataSources"], eventSource.InstanceFieldPath);
        Assert.Equal("DataSourceEvents", Assert.Single(current, r => r.TypeName == "Npgsql.NpgsqlEventSource").FieldName);
        Assert.Equal(old.Where(r => r.TypeName != "Npgsql.NpgsqlEventSource"), current.Where(r => r.TypeName != "Npgsql.NpgsqlEventSource"));
    }
}
