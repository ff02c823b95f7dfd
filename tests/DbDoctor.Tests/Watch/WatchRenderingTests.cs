using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Watch;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Watch;
using DbDoctor.Rendering.Watch;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Watch;

public class WatchRenderingTests
{
    private const string Secret = "Host=db;Database=shop;Username=app;Password=hunter2;Maximum Pool Size=10";

    private static WatchSample Sample(IReadOnlyList<WatchPoolRow> rows) => new()
    {
        Time = "2026-12-07T08:00:00.000Z", Pid = 4242, WatchedSeconds = 12.5, Pools = rows, SnapshotsTaken = 1,
    };

    [Fact]
    public void Rows_carry_the_latest_sample_the_recent_leak_rate_and_the_time_to_exhaustion()
    {
        var telemetry = new TelemetryFacts { WindowSeconds = 40, Pools = [ClimbingSeries("shop", perSecond: 0.1, seconds: 40)] };

        var row = Assert.Single(WatchRows.From(telemetry, new DiagnosisOptions()));

        Assert.Equal(4, row.Used);
        Assert.Equal(10, row.Max);
        Assert.Equal(0, row.Timeouts);
        Assert.Equal(6, row.LeakRatePerMinute);
        Assert.Equal(60, row.SecondsToExhaustion);
    }

    [Fact]
    public void A_full_pool_is_full_now_and_a_young_series_has_no_rate_yet()
    {
        var full = new TelemetryFacts { WindowSeconds = 20, Pools = [ClimbingSeries("a", perSecond: 1, seconds: 20)] };
        var young = new TelemetryFacts { WindowSeconds = 5, Pools = [ClimbingSeries("b", perSecond: 0.1, seconds: 5)] };

        Assert.Equal(0, Assert.Single(WatchRows.From(full, new DiagnosisOptions())).SecondsToExhaustion);
        var row = Assert.Single(WatchRows.From(young, new DiagnosisOptions()));
        Assert.Null(row.LeakRatePerMinute);
        Assert.Null(row.SecondsToExhaustion);
    }

    [Fact]
    public void Json_line_is_one_line_with_the_schema_and_no_secret()
    {
        var line = WatchRenderer.JsonLine(Sample([new WatchPoolRow { Driver = "Npgsql", Pool = Secret, Used = 10, Max = 10, SecondsToExhaustion = 0 }]));

        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"schema\":\"dbdoctor/watch-sample@1\"", line, StringComparison.Ordinal);
        Assert.Contains("\"pid\":4242", line, StringComparison.Ordinal);
        Assert.Contains("\"secondsToExhaustion\":0", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_fits_the_width_shows_full_pools_and_redacts_pools_and_events()
    {
        var table = WatchRenderer.Table(
            [Sample([new WatchPoolRow { Driver = "Npgsql", Pool = Secret, Used = 10, Idle = 0, Max = 10, Pending = 3, Timeouts = 4, LeakRatePerMinute = 60, SecondsToExhaustion = 0 }])],
            width: 100,
            ["08:00:01 dbdoctor: fired for 'Password=hunter2'"]);

        Assert.DoesNotContain("hunter2", table, StringComparison.Ordinal);
        Assert.Contains("process 4242", table, StringComparison.Ordinal);
        Assert.Contains("FULL", table, StringComparison.Ordinal);
        Assert.All(table.Split('\n'), l => Assert.True(l.Length <= 100, l));
    }

    [Fact]
    public void Table_says_when_no_pool_was_heard_yet()
    {
        Assert.Contains("no pool telemetry yet", WatchRenderer.Table([Sample([])], 80, []), StringComparison.Ordinal);
    }
}
