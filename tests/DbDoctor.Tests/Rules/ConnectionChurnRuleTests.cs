using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Rules;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Tests.Rules;

/// <summary>connection-churn: creation rate against operations, TIME-WAIT sockets, and the setting that causes it.</summary>
public sealed class ConnectionChurnRuleTests : ChurnAndStaleFacts
{
    [Fact]
    public void Short_idle_lifetime_with_bursts_is_churn_with_the_rate_the_setting_and_the_change()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(min: 0, idleLifetime: 1)),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Pools = [Series(createdPerSecond: 3, opsPerSecond: 15)] },
            Sockets = Sockets(timeWait: 0, serverSide: 180),
        };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Equal(Severities.Warning, finding.Severity);
        Assert.Equal(27, finding.Count);
        Assert.Contains(": 3 new connections per second, 20% of operations", finding.Title, StringComparison.Ordinal);
        Assert.Contains("Connection Idle Lifetime=1, Minimum Pool Size=0", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("27 physical connections created in 9 s = 3 per second for 15 operations per second", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("0 in TIME-WAIT + 180 on the server side", StringComparison.Ordinal));
        Assert.Contains("Raise Connection Idle Lifetime from 1 to 300", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("Minimum Pool Size to about 8", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", string.Join(" ", [finding.Title, finding.Pool, .. finding.Evidence]), StringComparison.Ordinal);
    }

    [Fact]
    public void Pooling_off_churn_comes_from_time_wait_sockets_and_the_unpooled_data_source()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(pooling: false)),
            Telemetry = new TelemetryFacts { WindowSeconds = 10 },
            Sockets = Sockets(timeWait: 4223, serverSide: 159, established: 2),
        };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Equal(4382, finding.Count);
        Assert.Contains("4382 connections closed in the last 60 s (~73 per second) (Pooling=false)", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("4223 in TIME-WAIT + 159 on the server side", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("has Pooling=false", StringComparison.Ordinal));
        Assert.StartsWith("Remove Pooling=false", finding.Advice, StringComparison.Ordinal);
        Assert.Equal(Driver, finding.Driver);
    }

    [Fact]
    public void A_process_younger_than_the_time_wait_length_closed_its_sockets_within_its_age()
    {
        var input = new DiagnosisInput { Target = Target, Heap = Heap(Pool(pooling: false)), Sockets = Sockets(timeWait: 2292, serverSide: 60) with { TargetUptimeSeconds = 14 } };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains("2352 connections closed in the last 14 s (~168 per second)", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("over the last 14 s, the process's age", StringComparison.Ordinal));
    }

    [Fact]
    public void Time_wait_sockets_of_other_processes_are_not_the_targets_churn_when_its_sockets_were_watched()
    {
        var sockets = Sockets(timeWait: 3000);
        sockets = sockets with { WatchSeconds = 10, Endpoints = [sockets.Endpoints[0] with { OpenedByTarget = 3, TimeWaitByTarget = 0 }] };
        var input = new DiagnosisInput { Target = Target, Heap = Heap(Pool(pooling: false)), Sockets = sockets };

        Assert.Empty(Run(input, FindingKinds.ConnectionChurn));
    }

    [Fact]
    public void A_pool_whose_settings_churn_is_the_cause_rather_than_a_one_off_unpooled_setup_data_source()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(pooling: false), Pool(min: 0, idleLifetime: 1) with { Address = 0x7f0990 }),
            Sockets = Sockets(timeWait: 600),
        };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains("Connection Idle Lifetime=1, Minimum Pool Size=0", finding.Title, StringComparison.Ordinal);
        Assert.DoesNotContain("Pooling=false", finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_watched_target_opening_connections_is_churn_with_what_the_watch_saw()
    {
        var sockets = Sockets(timeWait: 3000);
        sockets = sockets with { WatchSeconds = 10, Endpoints = [sockets.Endpoints[0] with { OpenedByTarget = 62, TimeWaitByTarget = 40 }] };
        var input = new DiagnosisInput { Target = Target, Heap = Heap(Pool(pooling: false)), Sockets = sockets };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains(finding.Evidence, e => e.Contains("it opened at least 62 new connections to 127.0.0.1:5432 (≥ 6.2 per second", StringComparison.Ordinal)
                                               && e.Contains("40 of the TIME-WAIT sockets", StringComparison.Ordinal));
    }

    [Fact]
    public void A_series_without_connection_metrics_does_not_hide_the_sockets_and_gives_the_operation_rate()
    {
        var unpooledSeries = new PoolSeries
        {
            Driver = Driver,
            Name = "Host=127.0.0.1;Port=5432;Database=shop;Pooling=False",
            Samples = [new PoolSample { Time = 1, Used = 1, Idle = 0, OperationsPerSecond = 150 }, new PoolSample { Time = 2, Used = 0, Idle = 0, OperationsPerSecond = 170 }],
        };
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(pooling: false)),
            Telemetry = new TelemetryFacts { WindowSeconds = 5, Pools = [unpooledSeries] },
            Sockets = Sockets(timeWait: 9000) with { TargetUptimeSeconds = 600 },
        };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains("(Pooling=false)", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("160 operations per second to this endpoint", StringComparison.Ordinal) && e.Contains("≈ 150 connections closed per second is 94% of the operations", StringComparison.Ordinal));
    }

    [Fact]
    public void Time_wait_sockets_without_any_pool_still_name_the_endpoint_and_say_pooling_is_likely_off()
    {
        var input = new DiagnosisInput { Target = Target, Sockets = Sockets(timeWait: 900) };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains("127.0.0.1:5432", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("No pool for this endpoint", StringComparison.Ordinal));
        Assert.Contains("Pooling=false", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_healthy_pool_is_not_churn_even_with_some_time_wait_sockets()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(min: 0, idleLifetime: 300, idle: 4)),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Pools = [Series(createdPerSecond: 0, opsPerSecond: 400)] },
            Sockets = Sockets(timeWait: 500, established: 4),
        };

        Assert.Empty(Run(input, FindingKinds.ConnectionChurn));
        Assert.Empty(Run(input, FindingKinds.StaleConnection));
    }

    [Theory]
    [InlineData(0.5, 10, false)]   // below one creation per second: ordinary turnover
    [InlineData(2, 1000, false)]   // 0.2% of operations
    [InlineData(2, 10, true)]
    [InlineData(50, 60, true)]
    public void Churn_needs_both_a_creation_rate_and_a_share_of_operations(double created, double ops, bool churning)
    {
        var rates = ChurnMeasures.RatesOf(Series(created, ops))!;

        Assert.Equal(churning, ConnectionChurnRule.IsChurning(rates, new DiagnosisOptions()));
    }

    [Fact]
    public void Short_connection_lifetime_is_named_as_the_cause()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(min: 8, idleLifetime: 300, lifetime: 2)),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Pools = [Series(createdPerSecond: 4, opsPerSecond: 40)] },
        };

        var finding = Assert.Single(Run(input, FindingKinds.ConnectionChurn));

        Assert.Contains("Connection Lifetime=2", finding.Title, StringComparison.Ordinal);
        Assert.Contains("Raise Connection Lifetime from 2", finding.Advice, StringComparison.Ordinal);
    }
}
