using DbDoctor.Drivers;
using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class PoolSeriesBuilderTests
{
    private static readonly DriverTelemetry Npgsql = DriverCatalog.Default.Resolve("Npgsql").Telemetry;

    private const string PoolTag = "db.client.connection.pool.name=Host=db;Username=app;Password=hunter2;Maximum Pool Size=10";

    [Fact]
    public void Pool_name_is_redacted_and_metrics_and_counters_share_one_series()
    {
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.count", PoolTag + ",db.client.connection.state=used", 3, null, 1.00);
        builder.AddCounter("Npgsql", Npgsql, new EventCounterValue("idle-connections-Host=db;Username=app;Password=hunter2;Maximum Pool Size=10", 2, false), 1.02);

        var series = Assert.Single(builder.Build([]));
        Assert.DoesNotContain("hunter2", series.Name, StringComparison.Ordinal);
        Assert.Equal("Npgsql", series.Driver);
        var sample = Assert.Single(series.Samples);
        Assert.Equal(3, sample.Used);
        Assert.Equal(2, sample.Idle); // the EventCounter fills what the meter did not report
    }

    [Fact]
    public void Histogram_counts_accumulate_and_cumulative_counters_carry_forward()
    {
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.create_time", PoolTag, null, 2, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.operation.duration", PoolTag + ",db.system.name=postgresql", null, 300, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.timeouts", PoolTag, 4, null, 2.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.create_time", PoolTag, null, 1, 2.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.max", PoolTag, 10, null, 3.0);

        var samples = Assert.Single(builder.Build([])).Samples;
        Assert.Equal([1.0, 2.0, 3.0], samples.Select(s => s.Time));
        Assert.Equal([2.0, 3.0, 3.0], samples.Select(s => s.ConnectionsCreated));
        Assert.Equal([null, 4.0, 4.0], samples.Select(s => s.Timeouts));
        Assert.Equal([300.0, 0.0, 0.0], samples.Select(s => s.OperationsPerSecond));
    }

    [Fact]
    public void Pending_requests_queued_before_attach_are_lifted_to_a_lower_bound_with_a_warning()
    {
        // The plain up-down counter reports change since attach: -1 means one request left the queue that was
        // already waiting when the session started.
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.pending_requests", PoolTag, -1, null, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.pending_requests", PoolTag, 2, null, 2.0);
        var warnings = new List<string>();

        var samples = Assert.Single(builder.Build(warnings)).Samples;

        Assert.Equal([0.0, 3.0], samples.Select(s => s.PendingRequests));
        Assert.Contains(warnings, w => w.Contains("lower bounds", StringComparison.Ordinal));
    }

    [Fact]
    public void Readings_without_a_pool_tag_are_ignored()
    {
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.max", "server.port=5432", 10, null, 1.0);

        Assert.Empty(builder.Build([]));
    }

    [Fact]
    public void Trim_keeps_a_bounded_window_and_cumulative_counts_and_the_pending_baseline_survive_it()
    {
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.pending_requests", PoolTag, -2, null, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.timeouts", PoolTag, 4, null, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.create_time", PoolTag, null, 3, 1.0);
        for (var t = 2; t <= 1000; t++)
        {
            builder.AddMetric("Npgsql", Npgsql, "db.client.connection.count", PoolTag + ",db.client.connection.state=used", 5, null, t);
            builder.AddMetric("Npgsql", Npgsql, "db.client.connection.npgsql.pending_requests", PoolTag, 0, null, t);
            builder.Trim(keepSeconds: 60);
        }

        var samples = Assert.Single(builder.Build([])).Samples;

        Assert.Equal(61, samples.Count);
        Assert.Equal(940, samples[0].Time);
        Assert.All(samples, s => Assert.Equal(4, s.Timeouts));
        Assert.All(samples, s => Assert.Equal(3, s.ConnectionsCreated));
        Assert.All(samples, s => Assert.Equal(2, s.PendingRequests)); // still lifted by the -2 seen at t=1
    }

    [Fact]
    public void Trim_forgets_pools_not_heard_of_within_the_window()
    {
        var builder = new PoolSeriesBuilder();
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.max", "db.client.connection.pool.name=old", 10, null, 1.0);
        builder.AddMetric("Npgsql", Npgsql, "db.client.connection.max", PoolTag, 10, null, 100.0);

        builder.Trim(keepSeconds: 60);

        Assert.StartsWith("Host=db;", Assert.Single(builder.Build([])).Name, StringComparison.Ordinal);
    }
}
