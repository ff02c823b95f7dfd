using DbDoctor.Diagnosis;
using DbDoctor.Diagnosis.Watch;
using DbDoctor.Model.Facts;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Watch;

public class TriggerEvaluatorTests
{
    private const string Pool = "Host=db;Database=shop;Maximum Pool Size=10";
    private static readonly DiagnosisOptions Options = new();

    private static IReadOnlyList<TriggerFiring> Fire(string trigger, PoolSeries series) =>
        TriggerEvaluator.Evaluate([TriggerParser.Parse(trigger)], series, Options);

    private static PoolSeries Flat(int seconds, double used, double max = 10, double pending = 0, Func<int, double>? timeouts = null) => new()
    {
        Driver = "Npgsql",
        Name = Pool,
        Samples = Enumerable.Range(0, seconds + 1).Select(t => new PoolSample
        {
            Time = t, Used = used, Idle = max - used, Max = max, PendingRequests = pending, Timeouts = timeouts?.Invoke(t),
        }).ToList(),
    };

    [Fact]
    public void Percent_of_max_must_hold_for_the_whole_hold_time()
    {
        // Climbing 1/s to 10 of 10: at 90 % from t=9.
        Assert.Empty(Fire("used>=90%:10s", ClimbingSeries(Pool, perSecond: 1, seconds: 18)));
        var firing = Assert.Single(Fire("used>=90%:10s", ClimbingSeries(Pool, perSecond: 1, seconds: 19)));

        Assert.Equal(Pool, firing.Pool);
        Assert.Contains("100% of max for 10 s", firing.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hold_longer_than_the_watch_so_far_does_not_fire()
    {
        Assert.Empty(Fire("used>=5:30s", Flat(seconds: 20, used: 10)));
        Assert.Single(Fire("used>=5:30s", Flat(seconds: 30, used: 10)));
    }

    [Fact]
    public void One_sample_below_the_threshold_inside_the_hold_resets_it()
    {
        var series = Flat(seconds: 20, used: 10);
        var dipped = series with { Samples = series.Samples.Select(s => s.Time == 15 ? s with { Used = 3 } : s).ToList() };

        Assert.Empty(Fire("used>=9:10s", dipped));
        Assert.Single(Fire("used>=9:4s", dipped));
    }

    [Fact]
    public void Percent_uses_the_last_known_max_when_a_sample_lacks_it()
    {
        var series = Flat(seconds: 3, used: 9);
        var noMaxLater = series with { Samples = series.Samples.Select(s => s.Time > 0 ? s with { Max = null } : s).ToList() };

        Assert.Single(Fire("used>=90%", noMaxLater));
        Assert.Empty(Fire("used>=90%", noMaxLater with { Samples = noMaxLater.Samples.Skip(1).ToList() }));
    }

    [Fact]
    public void Timeouts_count_only_the_recent_window_not_the_total_since_attach()
    {
        // 4 timeouts at t=2, none after: they fire at first, and stop firing once they are older than the window.
        var series = Flat(seconds: 30, used: 10, timeouts: t => t >= 2 ? 4 : 0);

        Assert.Single(Fire("timeouts>0", series with { Samples = series.Samples.Take(5).ToList() }));
        Assert.Empty(Fire("timeouts>0", series));
        Assert.Single(Fire("timeouts>=4", series with { Samples = series.Samples.Take(12).ToList() }));
    }

    [Fact]
    public void Unreported_timeouts_are_zero_and_unreported_pending_never_fires()
    {
        var silent = new PoolSeries
        {
            Driver = "Npgsql",
            Name = Pool,
            Samples = Enumerable.Range(0, 10).Select(t => new PoolSample { Time = t, Used = 1 }).ToList(),
        };

        Assert.Empty(Fire("timeouts>0", silent));
        Assert.Single(Fire("timeouts<1", silent));
        Assert.Empty(Fire("pending>=0", silent));
    }

    [Fact]
    public void Pending_for_five_seconds()
    {
        Assert.Single(Fire("pending>0:5s", Flat(seconds: 5, used: 10, pending: 3)));
        Assert.Empty(Fire("pending>0:5s", Flat(seconds: 5, used: 10, pending: 0)));
    }

    [Fact]
    public void Exhaustion_projects_from_the_recent_leak_rate_and_needs_thirty_seconds_of_it()
    {
        // 0.1/s from 0: at t=40 used 4, 6 to go at 6/min -> 60 s.
        var slow = ClimbingSeries(Pool, perSecond: 0.1, seconds: 40);
        var firing = Assert.Single(Fire("exhaustion<=10m", slow));
        Assert.Contains("full in 60 s", firing.Reason, StringComparison.Ordinal);
        Assert.Empty(Fire("exhaustion<=30s", slow));

        // Ten seconds of climbing is a warm-up, not a leak rate.
        Assert.Empty(Fire("exhaustion<=10m", ClimbingSeries(Pool, perSecond: 0.1, seconds: 10)));
    }

    [Fact]
    public void A_flat_pool_never_projects_exhaustion()
    {
        Assert.Empty(Fire("exhaustion<=10m", Flat(seconds: 120, used: 5)));
        Assert.Empty(Fire("leak-rate>0.5", Flat(seconds: 120, used: 5)));
    }

    [Fact]
    public void Leak_rate_in_connections_per_minute()
    {
        var firing = Assert.Single(Fire("leak-rate>=5", ClimbingSeries(Pool, perSecond: 0.1, seconds: 40, max: 100)));

        Assert.Contains("6/min", firing.Reason, StringComparison.Ordinal);
        Assert.Empty(Fire("leak-rate>=7", ClimbingSeries(Pool, perSecond: 0.1, seconds: 40, max: 100)));
    }

    [Fact]
    public void Defaults_fire_on_a_pool_that_leaks_to_exhaustion_and_not_on_a_steady_one()
    {
        var leaking = ClimbingSeries(Pool, perSecond: 1, seconds: 20, pendingAtMax: 3, timeoutsAtMax: 0);
        Assert.Contains(TriggerEvaluator.Evaluate(Trigger.Defaults, leaking, Options), f => f.Trigger.Text == "used>=90%:10s");

        Assert.Empty(TriggerEvaluator.Evaluate(Trigger.Defaults, Flat(seconds: 300, used: 4), Options));
        Assert.Empty(TriggerEvaluator.Evaluate(Trigger.Defaults, new PoolSeries { Driver = "Npgsql", Name = Pool }, Options));
    }
}
