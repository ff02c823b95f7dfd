using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

/// <summary>
/// MySqlConnector's meter reports used/idle through a plain up-down counter (changes since the session began): the
/// series carries lower bounds until the heap's count of the pool anchors them.
/// </summary>
public class MySqlConnectorSeriesTests
{
    private const string Driver = "MySqlConnector";
    private const string PoolTag = "pool.name=Server=127.0.0.1;Port=3306;User ID=app;Database=shop;Maximum Pool Size=10";
    private static readonly DriverTelemetry Meter = DriverCatalog.Default.Resolve(Driver).Telemetry;

    [Theory]
    [InlineData("db.client.connections.usage", PoolTag + ",state=used", PoolMeasure.UsedChange)]
    [InlineData("db.client.connections.usage", PoolTag + ",state=idle", PoolMeasure.IdleChange)]
    [InlineData("db.client.connections.max", PoolTag, PoolMeasure.Max)]
    [InlineData("db.client.connections.idle.min", PoolTag, PoolMeasure.Min)]
    [InlineData("db.client.connections.pending_requests", PoolTag, PoolMeasure.PendingChange)]
    [InlineData("db.client.connections.timeouts", PoolTag, PoolMeasure.Timeouts)]
    [InlineData("db.client.connections.create_time", PoolTag, PoolMeasure.ConnectionsCreated)]
    [InlineData("db.client.connections.use_time", PoolTag, PoolMeasure.Operations)]
    public void Each_instrument_of_the_meter_maps_onto_the_pool_sample(string instrument, string tags, PoolMeasure measure)
    {
        var reading = Meter.ReadInstrument(instrument, MetricTags.Parse(tags));

        Assert.Equal(measure, reading?.Measure);
        Assert.StartsWith("Server=127.0.0.1;Port=3306", reading?.Pool, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("db.client.connections.usage", PoolTag)] // no state tag: not a level of either state
    [InlineData("db.client.connections.wait_time", PoolTag)] // the same leases as use_time, from the other end
    [InlineData("db.client.connections.max", "server.port=3306")] // no pool
    public void Readings_that_say_nothing_about_one_pool_state_are_ignored(string instrument, string tags) =>
        Assert.Null(Meter.ReadInstrument(instrument, MetricTags.Parse(tags)));

    [Fact]
    public void Changes_since_attach_become_lower_bounds_that_the_heap_count_anchors()
    {
        // Attached with 3 sessions leased and 2 idle; then one more leased from the idle ones, and one new one leased.
        var builder = new PoolSeriesBuilder();
        builder.AddMetric(Driver, Meter, "db.client.connections.max", PoolTag, 10, null, 1.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=used", 0, null, 1.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=idle", 0, null, 1.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=used", 1, null, 2.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=idle", -1, null, 2.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=used", 2, null, 3.0);
        builder.AddMetric(Driver, Meter, "db.client.connections.usage", PoolTag + ",state=idle", -1, null, 3.0);

        var series = Assert.Single(builder.Build([]));

        Assert.True(series.LevelsAreLowerBounds);
        Assert.Equal([0.0, 1.0, 2.0], series.Samples.Select(s => s.Used));
        Assert.Equal([1.0, 0.0, 0.0], series.Samples.Select(s => s.Idle)); // lifted so the lowest reading is zero

        // The snapshot right after the window: 5 leased, 1 idle.
        var anchored = SeriesAnchoring.ToHeap(series, [Pool(busy: 5, idle: 1)]);

        Assert.False(anchored.LevelsAreLowerBounds);
        Assert.Equal([3.0, 4.0, 5.0], anchored.Samples.Select(s => s.Used));
        Assert.Equal([2.0, 1.0, 1.0], anchored.Samples.Select(s => s.Idle));
    }

    [Fact]
    public void A_heap_count_below_the_bound_leaves_it_alone_and_absolute_series_are_not_touched()
    {
        var relative = new PoolSeries
        {
            Driver = Driver,
            Name = "shop",
            LevelsAreLowerBounds = true,
            Samples = [new PoolSample { Time = 1, Used = 4, Idle = 0 }],
        };
        var absolute = relative with { LevelsAreLowerBounds = false };

        // Sessions returned between the last sample and the snapshot: the bound stays (a shift never goes negative).
        Assert.Equal(4.0, SeriesAnchoring.ToHeap(relative, [Pool(busy: 2, idle: 2)]).Samples[0].Used);
        Assert.Same(absolute, SeriesAnchoring.ToHeap(absolute, [Pool(busy: 9, idle: 0)]));
        Assert.True(SeriesAnchoring.ToHeap(relative, []).LevelsAreLowerBounds); // no heap: still a lower bound
    }

    private static PoolFact Pool(int busy, int idle) => new()
    {
        Driver = Driver,
        Address = 0x1000,
        TypeName = "MySqlConnector.Core.ConnectionPool",
        Name = "shop",
        Max = 10,
        Total = busy + idle,
        Busy = busy,
        Idle = idle,
    };
}
