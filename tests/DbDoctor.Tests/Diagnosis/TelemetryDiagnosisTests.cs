using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

public class TelemetryDiagnosisTests
{
    private const string ShopName = "Host=127.0.0.1;Port=5432;Database=shop;Username=app;Maximum Pool Size=10";

    [Fact]
    public void Slope_of_a_straight_line_is_exact()
    {
        var points = new List<(double X, double Y)> { (0, 3), (2, 7), (4, 11), (6, 15) };

        Assert.Equal(2.0, LeakRateEstimator.Slope(points), 10);
    }

    [Fact]
    public void Leak_rate_ignores_the_plateau_at_max_and_reports_per_minute()
    {
        // One leak per second for 10 s, then 20 s stuck at 10 of 10: the plateau must not flatten the rate.
        var series = ClimbingSeries(ShopName, perSecond: 1, seconds: 30);

        var rate = LeakRateEstimator.Estimate(series, new DiagnosisOptions())!;

        Assert.Equal(60.0, rate.PerMinute, 6);
        Assert.Equal(10, rate.SamplesUsed);
        Assert.True(rate.AlreadyExhausted);
        Assert.Equal(0, rate.SecondsToExhaustion);
    }

    [Fact]
    public void Time_to_exhaustion_follows_the_rate()
    {
        // 0.1 connection per second from 2: used 5 at t=30, 5 more to go at 6/min -> 50 s.
        var series = ClimbingSeries(ShopName, perSecond: 0.1, seconds: 30, start: 2);

        var rate = LeakRateEstimator.Estimate(series, new DiagnosisOptions())!;

        Assert.Equal(6.0, rate.PerMinute, 6);
        Assert.False(rate.AlreadyExhausted);
        Assert.Equal(50.0, rate.SecondsToExhaustion!.Value, 6);
    }

    [Fact]
    public void Least_squares_fit_tolerates_noise_and_flat_series_are_not_rising()
    {
        var noisy = new PoolSeries
        {
            Driver = Npgsql,
            Name = ShopName,
            Samples = [.. new[] { 1.0, 3, 2, 4, 3, 5 }.Select((used, t) => new PoolSample { Time = t * 10, Used = used, Max = 100 })],
        };
        var flat = new PoolSeries
        {
            Driver = Npgsql,
            Name = ShopName,
            Samples = [.. Enumerable.Range(0, 10).Select(t => new PoolSample { Time = t, Used = 4, Max = 10 })],
        };
        var options = new DiagnosisOptions();

        // Sliding minimum of three over y = 1,3,2,4,3,5 at x = 0,10..50: y = 1,2,2,3 at x = 10..40;
        // least squares: covariance 30 / variance 500 = 0.06/s = 3.6/min.
        Assert.Equal(3.6, LeakRateEstimator.Estimate(noisy, options)!.PerMinute, 4);
        var flatRate = LeakRateEstimator.Estimate(flat, options)!;
        Assert.Equal(0, flatRate.PerMinute, 9);
        Assert.False(flatRate.IsRising(options));
        Assert.Null(flatRate.SecondsToExhaustion);
    }

    [Theory]
    // Measured (npgsql-leak-under-load: 4 workers, one leak per second, max 10): used = leaked + queries in flight.
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 10, 10, 9 }, 60.0)] // after the pool is full, a timeout's dip says nothing
    [InlineData(new[] { 1.0, 6, 3, 5, 5, 9, 10, 7, 8, 9, 10 }, 72.0)] // minima 1,3,3,5 at t = 2..5 before the first 10
    public void Leak_rate_under_load_looks_through_queries_in_flight_and_stops_when_the_pool_is_full(double[] used, double perMinute)
    {
        var series = new PoolSeries
        {
            Driver = Npgsql,
            Name = ShopName,
            Samples = [.. used.Select((u, i) => new PoolSample { Time = i + 1, Used = u, Max = 10 })],
        };

        Assert.Equal(perMinute, LeakRateEstimator.Estimate(series, new DiagnosisOptions())!.PerMinute, 6);
    }

    [Fact]
    public void Too_few_samples_give_no_rate()
    {
        var series = ClimbingSeries(ShopName, perSecond: 1, seconds: 1);

        Assert.Null(LeakRateEstimator.Estimate(series, new DiagnosisOptions()));
    }

    [Fact]
    public void Correlation_matches_by_exact_name_first()
    {
        var pools = new[] { NpgsqlPool(0x1, ShopName), NpgsqlPool(0x2, "Host=127.0.0.1;Database=audit") };
        var series = new[] { new PoolSeries { Driver = Npgsql, Name = ShopName } };

        var match = Assert.Single(PoolCorrelation.Match(pools, series, DriverCatalog.Default));

        Assert.Equal(PoolCorrelation.ByName, match.How);
        Assert.Equal(0x1UL, Assert.Single(match.Pools).Address);
    }

    [Fact]
    public void Correlation_falls_back_to_database_and_host_then_to_the_only_pool()
    {
        var pools = new[] { NpgsqlPool(0x1, ShopName), NpgsqlPool(0x2, "Host=127.0.0.1;Database=audit") };
        var byEndpoint = new[] { new PoolSeries { Driver = Npgsql, Name = "Host=127.0.0.1;Database=audit;Application Name=x" } };
        var onlyOne = new[] { new PoolSeries { Driver = Npgsql, Name = "orders-pool" } };

        var endpointMatch = Assert.Single(PoolCorrelation.Match(pools, byEndpoint, DriverCatalog.Default));
        Assert.Equal(PoolCorrelation.ByEndpoint, endpointMatch.How);
        Assert.Equal(0x2UL, Assert.Single(endpointMatch.Pools).Address);

        Assert.Empty(PoolCorrelation.Match(pools, onlyOne, DriverCatalog.Default));
        var single = Assert.Single(PoolCorrelation.Match([pools[0]], onlyOne, DriverCatalog.Default));
        Assert.Equal(PoolCorrelation.OnlyOne, single.How);
    }

    [Fact]
    public void Series_name_shared_by_several_data_sources_matches_all_of_them()
    {
        var pools = new[] { NpgsqlPool(0x1, ShopName), NpgsqlPool(0x2, ShopName), NpgsqlPool(0x3, "Host=x;Database=y") };

        var match = Assert.Single(PoolCorrelation.Match(pools, [new PoolSeries { Driver = Npgsql, Name = ShopName }], DriverCatalog.Default));

        Assert.Equal([0x1UL, 0x2UL], match.Pools.Select(p => p.Address));
    }

    [Fact]
    public void Leak_finding_carries_the_rate_and_the_counters_versus_heap_line()
    {
        const ulong pool = 0x5000;
        var connections = Range(6, 0x10_0000, a => Connector(a, pool, transaction: true)).Append(Connector(0x90_0000, pool, held: true, holder: "Listener")).ToList();
        var heap = Heap([NpgsqlPool(pool, busy: 7, idle: 0)], connections);
        var telemetry = new TelemetryFacts { WindowSeconds = 30, Pools = [ClimbingSeries(ShopName, perSecond: 0.2, seconds: 30, start: 1)] };

        var report = Diagnose(heap, telemetry);

        var leak = Single(report, FindingKinds.LeakedTransaction);
        Assert.Contains("Live counters: busy 7 from the counters = 6 orphaned + 1 held in the heap", leak.Evidence);
        Assert.Contains(leak.Evidence, e => e.StartsWith("Leak rate: used connections rose 12/min", StringComparison.Ordinal) && e.EndsWith("reaches its max of 10 in about 15 s", StringComparison.Ordinal));
        Assert.NotNull(report.Telemetry);
        Assert.Equal(30, report.Telemetry!.WindowSeconds);
    }

    [Fact]
    public void Telemetry_alone_reports_exhaustion_with_pending_timeouts_and_exceptions_per_second()
    {
        var telemetry = new TelemetryFacts
        {
            WindowSeconds = 20,
            Pools = [ClimbingSeries(ShopName, perSecond: 1, seconds: 20, pendingAtMax: 4, timeoutsAtMax: 8)],
            Exceptions =
            [
                new ExceptionGroup
                {
                    Type = "Npgsql.NpgsqlException",
                    Message = "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 10) or 'Timeout' (currently 2 seconds) in your connection string.",
                    Count = 8,
                    Events = 40,
                },
            ],
        };

        var report = Diagnose(heap: null, telemetry);

        var exhaustion = Single(report, FindingKinds.PoolExhaustion);
        Assert.Equal(Severities.Error, exhaustion.Severity);
        Assert.Equal(10, exhaustion.Count);
        Assert.Contains("Up to 4 requests waiting for a connection", exhaustion.Evidence);
        Assert.Contains("8 timeouts waiting for a connection during the 20 s window", exhaustion.Evidence);
        Assert.Contains("8 'pool exhausted' exceptions (0.4 per second)", exhaustion.Evidence);
        Assert.Contains("Operations per second fell from 100 to 0", exhaustion.Evidence);

        var rising = Single(report, FindingKinds.LeakedConnection);
        Assert.Equal(Severities.Warning, rising.Severity);
        Assert.Contains("60/min", rising.Title, StringComparison.Ordinal);
        Assert.Null(report.Snapshot);
    }

    [Fact]
    public void Pool_at_max_without_waiters_is_not_exhausted_and_steady_load_is_not_a_leak()
    {
        var steady = new PoolSeries
        {
            Driver = Npgsql,
            Name = ShopName,
            Samples = [.. Enumerable.Range(0, 20).Select(t => new PoolSample { Time = t, Used = t % 2 == 0 ? 10 : 9, Max = 10, PendingRequests = 0, Timeouts = 0 })],
        };

        var report = Diagnose(heap: null, new TelemetryFacts { WindowSeconds = 20, Pools = [steady] });

        Assert.Empty(report.Findings);
    }

    [Fact]
    public void Exhaustion_exceptions_without_a_pool_series_still_give_a_finding()
    {
        var telemetry = new TelemetryFacts
        {
            WindowSeconds = 10,
            Exceptions = [new ExceptionGroup { Type = "Npgsql.NpgsqlException", Message = "The connection pool has been exhausted, either raise 'Max Pool Size'", Count = 5, Events = 25 }],
        };

        var finding = Single(Diagnose(heap: null, telemetry), FindingKinds.PoolExhaustion);

        Assert.Equal("Npgsql", finding.Driver);
        Assert.Equal(5, finding.Count);
        Assert.Contains("(0.5 per second)", Assert.Single(finding.Evidence), StringComparison.Ordinal);
    }

    [Fact]
    public void Target_exit_and_fact_warnings_become_report_warnings()
    {
        var heap = Heap([]) with { Warnings = ["Could not read Npgsql.PoolingDataSource._idleCount"] };
        var telemetry = new TelemetryFacts { WindowSeconds = 5, TargetExited = true, Warnings = ["No Npgsql metrics arrived"] };

        var report = Diagnose(heap, telemetry);

        Assert.Equal(3, report.Warnings.Count);
        Assert.Equal("Could not read Npgsql.PoolingDataSource._idleCount", report.Warnings[0]);
        Assert.Equal("No Npgsql metrics arrived", report.Warnings[1]);
        Assert.StartsWith("The target exited before", report.Warnings[2], StringComparison.Ordinal);
    }
}
