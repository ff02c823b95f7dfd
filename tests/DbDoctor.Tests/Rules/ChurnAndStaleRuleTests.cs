using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Rules;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Tests.Rules;

public sealed class ChurnAndStaleRuleTests
{
    private const string Driver = "Npgsql";
    private const string ConnectionString = "Host=127.0.0.1;Port=5432;Database=shop;Username=app;Password=hunter2";
    private static readonly TargetInfo Target = new() { Kind = "process", Pid = 4242 };

    private static PoolFact Pool(bool pooling = true, int min = 0, int max = 100, double? idleLifetime = 300, double? lifetime = 3600, int idle = 0) => new()
    {
        Driver = Driver,
        Address = 0x7f0010,
        TypeName = pooling ? "Npgsql.PoolingDataSource" : "Npgsql.UnpooledDataSource",
        Name = ConnectionStrings.Redact(ConnectionString),
        ConnectionString = ConnectionStrings.Redact(ConnectionString),
        DriverManaged = true,
        Pooling = pooling,
        Min = pooling ? min : null,
        Max = pooling ? max : null,
        IdleLifetimeSeconds = idleLifetime,
        LifetimeSeconds = lifetime,
        Total = idle,
        Idle = idle,
        Busy = 0,
        Host = "127.0.0.1",
        Port = 5432,
        Database = "shop",
    };

    /// <summary>One sample per second; created climbs by <paramref name="createdPerSecond"/>, open connections saw-tooth between bursts.</summary>
    private static PoolSeries Series(double createdPerSecond, double opsPerSecond, int seconds = 10) => new()
    {
        Driver = Driver,
        Name = ConnectionStrings.Redact(ConnectionString),
        Samples = Enumerable.Range(1, seconds).Select(t => new PoolSample
        {
            Time = t,
            Used = t % 3 == 0 ? 8 : 0,
            Idle = t % 3 == 1 ? 8 : 0,
            Max = 100,
            ConnectionsCreated = createdPerSecond * t,
            OperationsPerSecond = opsPerSecond,
        }).ToList(),
    };

    private static SocketFacts Sockets(int timeWait, int serverSide = 0, int established = 0) => new()
    {
        Pid = 4242,
        TakenAt = DateTimeOffset.UnixEpoch,
        Endpoints =
        [
            new EndpointSockets
            {
                Host = "127.0.0.1",
                Port = 5432,
                Addresses = ["127.0.0.1"],
                Source = EndpointSources.Pool,
                TimeWait = timeWait,
                ServerSideTimeWait = serverSide,
                Established = established,
                EstablishedByTarget = established,
                ByState = new Dictionary<string, int> { ["TIME_WAIT"] = timeWait, ["ESTABLISHED"] = established },
            },
        ],
    };

    private static HeapFacts Heap(params PoolFact[] pools) => Heap(pools, []);

    private static HeapFacts Heap(PoolFact[] pools, ConnectionFact[] connections) => new()
    {
        Target = Target,
        Drivers = [new DriverInfo(Driver, "10.0.0")],
        Pools = pools,
        Connections = connections,
    };

    private static IReadOnlyList<Finding> Run(DiagnosisInput input, string kind) =>
        Diagnoser.Diagnose(input).Findings.Where(f => f.Kind == kind).ToList();

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

    [Fact]
    public void Idle_session_timeout_failures_are_stale_connections_with_the_server_timeout_and_the_settings()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap([Pool(min: 2, idleLifetime: 300, idle: 2)],
                [new ConnectionFact { Driver = Driver, Address = 0x7f0200, TypeName = "Npgsql.Internal.NpgsqlConnector", PoolAddress = 0x7f0010, State = "Broken", Broken = true, ServerPid = 777 }]),
            Telemetry = new TelemetryFacts
            {
                WindowSeconds = 12,
                Exceptions =
                [
                    new ExceptionGroup { Type = "Npgsql.PostgresException", Message = "57P05: terminating connection due to idle-session timeout", Count = 3, Events = 9, FirstSeen = 2, LastSeen = 10 },
                    new ExceptionGroup { Type = "System.IO.EndOfStreamException", Message = "Attempted to read past the end of the stream.", Count = 3, Events = 3, FirstSeen = 2, LastSeen = 10 },
                    new ExceptionGroup { Type = "Npgsql.NpgsqlException", Message = "Exception while reading from stream", Count = 3, Events = 3, FirstSeen = 2.02, LastSeen = 10.01 },
                    new ExceptionGroup { Type = "System.TimeoutException", Message = "unrelated", Count = 5 },
                ],
            },
            ServerIdleTimeoutSeconds = 3,
            ServerIdleTimeoutSource = "SHOW idle_session_timeout on Host=127.0.0.1;Port=5432;Database=shop",
        };

        var finding = Assert.Single(Run(input, FindingKinds.StaleConnection));

        Assert.Equal(Severities.Error, finding.Severity);
        Assert.Equal(3, finding.Count);
        Assert.Contains("3 commands failed because the server had closed the session", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("57P05", StringComparison.Ordinal) && e.Contains("3 failures", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.StartsWith("Heap: 1 broken connection", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("Server idle timeout: 3 s (SHOW idle_session_timeout", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e.Contains("Connection Idle Lifetime=300 s", StringComparison.Ordinal) && e.Contains("the 2 connections of the minimum are never pruned", StringComparison.Ordinal));
        Assert.Contains("Connection Idle Lifetime=1", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("Minimum Pool Size=0", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("Keepalive", finding.Advice, StringComparison.Ordinal);
        var broken = Assert.Single(finding.Objects);
        Assert.Equal(777, broken.ServerPid);
    }

    [Fact]
    public void Without_a_known_server_timeout_the_finding_says_what_to_check()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(idle: 1)),
            Telemetry = new TelemetryFacts
            {
                WindowSeconds = 10,
                Exceptions = [new ExceptionGroup { Type = "Npgsql.NpgsqlException", Message = "Exception while reading from stream", Count = 2 }],
            },
        };

        var finding = Assert.Single(Run(input, FindingKinds.StaleConnection));

        Assert.Contains(finding.Evidence, e => e.Contains("--server-idle-timeout", StringComparison.Ordinal));
        Assert.Contains("SHOW idle_session_timeout", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("wait_timeout", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_keeping_idle_connections_past_a_known_timeout_is_a_warning_before_anything_fails()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(min: 0, idleLifetime: 300, idle: 3)),
            ServerIdleTimeoutSeconds = 60,
            ServerIdleTimeoutSource = "--server-idle-timeout 60s",
        };

        var finding = Assert.Single(Run(input, FindingKinds.StaleConnection));

        Assert.Equal(Severities.Warning, finding.Severity);
        Assert.Contains("keeps idle connections up to 5.2 min", finding.Title, StringComparison.Ordinal);
        Assert.Contains("Connection Idle Lifetime=30 and Connection Pruning Interval=15", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Close_wait_sockets_the_target_owns_are_stale_connections_before_any_command_fails()
    {
        var sockets = Sockets(timeWait: 0);
        sockets = sockets with { Endpoints = [sockets.Endpoints[0] with { CloseWaitByTarget = 2 }] };
        var input = new DiagnosisInput { Target = Target, Heap = Heap(Pool(min: 2, idle: 2)), Sockets = sockets };

        var finding = Assert.Single(Run(input, FindingKinds.StaleConnection));

        Assert.Equal(Severities.Warning, finding.Severity);
        Assert.Equal(2, finding.Count);
        Assert.Contains("2 pooled connections already closed by the server (CLOSE-WAIT)", finding.Title, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.StartsWith("OS: 2 sockets of process 4242 to 127.0.0.1:5432 in CLOSE-WAIT", StringComparison.Ordinal));
        Assert.Equal(Driver, finding.Driver);
        Assert.Contains("Connection Idle Lifetime", finding.Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pruning_interval_comes_from_the_pools_connection_string()
    {
        var pool = Pool(min: 0, idleLifetime: 1, idle: 1) with { ConnectionString = "Host=127.0.0.1;Connection Idle Lifetime=1;Connection Pruning Interval=1" };
        var input = new DiagnosisInput { Target = Target, Heap = Heap(pool), ServerIdleTimeoutSeconds = 3 };

        Assert.Empty(Run(input, FindingKinds.StaleConnection));
        Assert.Single(Run(input with { Heap = Heap(pool with { ConnectionString = "Host=127.0.0.1;Connection Idle Lifetime=1" }) }, FindingKinds.StaleConnection));
    }

    [Fact]
    public void A_pool_that_prunes_before_the_server_timeout_is_fine()
    {
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(Pool(min: 0, idleLifetime: 20, idle: 3)),
            ServerIdleTimeoutSeconds = 60,
        };

        Assert.Empty(Run(input, FindingKinds.StaleConnection));
    }

    [Fact]
    public void One_failure_raising_a_chain_of_exceptions_counts_once_and_failures_at_other_times_add_up()
    {
        ExceptionGroup[] failures =
        [
            new() { Type = "System.IO.EndOfStreamException", Message = "Attempted to read past the end of the stream.", Count = 2, FirstSeen = 3.81, LastSeen = 3.83 },
            new() { Type = "Npgsql.NpgsqlException", Message = "Exception while reading from stream", Count = 2, FirstSeen = 3.8, LastSeen = 3.8 },
            new() { Type = "Npgsql.PostgresException", Message = "57P05: terminating connection due to idle-session timeout", Count = 2, FirstSeen = 3.8, LastSeen = 3.8 },
            new() { Type = "System.Net.Sockets.SocketException", Message = "Connection reset by peer", Count = 5, FirstSeen = 7, LastSeen = 9 },
        ];

        Assert.Equal(7, StaleSignals.DistinctFailures(failures));
    }

    [Theory]
    [InlineData("Npgsql.PostgresException", "57P05: terminating connection due to idle-session timeout", true)]
    [InlineData("Npgsql.NpgsqlException", "Exception while reading from stream", true)]
    [InlineData("System.IO.EndOfStreamException", "Attempted to read past the end of the stream.", true)]
    [InlineData("System.Net.Sockets.SocketException", "Connection reset by peer", true)]
    [InlineData("Npgsql.PostgresException", "42P01: relation \"x\" does not exist", false)]
    [InlineData("Npgsql.NpgsqlException", "The connection pool has been exhausted", false)]
    public void Recognises_server_closed_sessions(string type, string message, bool expected)
    {
        Assert.Equal(expected, DriverCatalog.Default.Classify(type, message) == ErrorKind.ServerClosedSession);
    }

    [Theory]
    [InlineData(";Connection Reset=true", true)]
    [InlineData("", true)]
    [InlineData(";Connection Reset=false", false)]
    public void Errors_a_resetting_pool_swallowed_are_replaced_sessions_not_failed_commands(string reset, bool swallowed)
    {
        var connectionString = "Server=127.0.0.1;Port=3306;Database=shop;User ID=app;Connection Idle Timeout=300" + reset;
        var pool = Pool(idle: 1) with { Driver = "MySqlConnector", TypeName = "MySqlConnector.Core.ConnectionPool", Name = connectionString, ConnectionString = connectionString, Port = 3306 };
        var input = new DiagnosisInput
        {
            Target = Target,
            Heap = Heap(pool),
            Telemetry = new TelemetryFacts
            {
                WindowSeconds = 10,
                Exceptions =
                [
                    new ExceptionGroup { Type = "System.Net.Sockets.SocketException", Message = "Connection reset by peer", Count = 2, Events = 6, FirstSeen = 2.5, LastSeen = 6.5 },
                    new ExceptionGroup { Type = "System.Net.Sockets.SocketException", Message = "Broken pipe", Count = 2, Events = 6, FirstSeen = 2.5, LastSeen = 6.5 },
                ],
                Pools =
                [
                    new PoolSeries
                    {
                        Driver = "MySqlConnector",
                        Name = connectionString,
                        Samples = [new PoolSample { Time = 1 }, new PoolSample { Time = 3, ConnectionsCreated = 1 }, new PoolSample { Time = 7, ConnectionsCreated = 2 }],
                    },
                ],
            },
            ServerIdleTimeoutSeconds = 2,
            ServerIdleTimeoutSource = "--server-idle-timeout 2s",
        };

        var finding = Assert.Single(Run(input, FindingKinds.StaleConnection));

        Assert.Equal(2, finding.Count);
        if (swallowed)
        {
            Assert.Equal(Severities.Warning, finding.Severity);
            Assert.DoesNotContain("failed because", finding.Title, StringComparison.Ordinal);
            Assert.Contains("closed 2 pooled sessions", finding.Title, StringComparison.Ordinal);
            Assert.Contains("no command failed", finding.Title, StringComparison.Ordinal);
            Assert.All(finding.Evidence.Where(e => e.Contains("SocketException", StringComparison.Ordinal)),
                e => Assert.Contains("first-chance exceptions caught inside the driver (Connection Reset=true", e, StringComparison.Ordinal));
            Assert.Contains(finding.Evidence, e => e.StartsWith("Telemetry: 2 new sessions opened in the window", StringComparison.Ordinal));
            Assert.DoesNotContain(finding.Evidence, e => e.Contains(" failures", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(Severities.Error, finding.Severity);
            Assert.Contains("2 commands failed because the server had closed the session", finding.Title, StringComparison.Ordinal);
            Assert.Contains(finding.Evidence, e => e.Contains("Connection reset by peer — 2 failures", StringComparison.Ordinal));
            Assert.DoesNotContain(finding.Evidence, e => e.Contains("first-chance", StringComparison.Ordinal));
        }
    }
}
