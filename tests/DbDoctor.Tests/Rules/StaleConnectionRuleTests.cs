using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Rules;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Tests.Rules;

/// <summary>stale-connection: sessions the server closed while the pool still hands them out, and how failures are counted.</summary>
public sealed class StaleConnectionRuleTests : ChurnAndStaleFacts
{
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
