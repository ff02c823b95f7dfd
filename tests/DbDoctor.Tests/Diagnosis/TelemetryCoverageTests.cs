using DbDoctor.Diagnosis;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

/// <summary>
/// A telemetry-only run (attach --no-heap) over drivers whose pools telemetry cannot show is "no verdict", never
/// "no problems found"; a run that saw some pools says which driver's pools it did not see.
/// </summary>
public class TelemetryCoverageTests
{
    private static readonly TargetInfo Process = new() { Kind = "process", Pid = 4242 };

    private static Report Run(IReadOnlyList<string> loaded, IReadOnlyList<PoolSeries>? pools = null, HeapFacts? heap = null, bool exited = false) =>
        Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = Process,
            Heap = heap,
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Pools = pools ?? [], TargetExited = exited },
            LoadedDrivers = loaded,
        });

    [Fact]
    public void Only_a_driver_without_pool_telemetry_and_no_heap_is_no_verdict_naming_the_driver()
    {
        var report = Run([Sqlite]);

        Assert.Equal($"{Sqlite} publishes no pool telemetry and no heap snapshot was taken (--no-heap), so DbDoctor could not see its pools", report.Inconclusive);
        Assert.StartsWith("No verdict: " + Sqlite, Verdict.Of(report), StringComparison.Ordinal);
        Assert.Contains(report.Warnings, w => w.StartsWith("Attach without --no-heap", StringComparison.Ordinal) && w.Contains(Sqlite, StringComparison.Ordinal));
    }

    [Fact]
    public void A_driver_with_telemetry_that_reported_no_pool_in_the_window_is_no_verdict_too()
    {
        var report = Run([Npgsql]);

        Assert.NotNull(report.Inconclusive);
        Assert.StartsWith($"no pool telemetry arrived from {Npgsql} in the 10 s window", report.Inconclusive, StringComparison.Ordinal);
    }

    [Fact]
    public void Pools_seen_in_telemetry_give_a_verdict_and_warn_about_the_driver_whose_pools_were_not_seen()
    {
        var report = Run([Npgsql, Sqlite], [ClimbingSeries(ShopConnectionString, perSecond: 0, seconds: 10, start: 1)]);

        Assert.Null(report.Inconclusive);
        Assert.StartsWith("No problems found", Verdict.Of(report), StringComparison.Ordinal);
        Assert.Contains(report.Warnings, w => w.StartsWith($"{Sqlite} publishes no pool telemetry: without a heap snapshot (--no-heap) its pools were not looked at", StringComparison.Ordinal));
    }

    [Fact]
    public void A_heap_or_no_driver_at_all_or_an_exited_target_is_not_this_rules_business()
    {
        Assert.Null(Run([Sqlite], heap: Heap([])).Inconclusive);
        Assert.Null(Run([]).Inconclusive);
        Assert.Null(Run([Sqlite], exited: true).Inconclusive); // attach says why itself: the target exited
        Assert.DoesNotContain(Run([Npgsql], [ClimbingSeries(ShopConnectionString, perSecond: 0, seconds: 10, start: 1)]).Warnings,
            w => w.Contains("publishes no pool telemetry", StringComparison.Ordinal));
    }

    [Fact]
    public void With_a_heap_a_driver_without_pool_telemetry_is_stated_once_and_plainly()
    {
        var report = Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = Process,
            Heap = Heap([]),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Warnings = [TelemetryFacts.NoPoolTelemetryWarning] },
            LoadedDrivers = [Sqlite],
        });

        var said = Assert.Single(report.Warnings, w => w.Contains("telemetry", StringComparison.Ordinal));
        Assert.Equal($"{Sqlite} publishes no pool telemetry: its pools are judged from the heap snapshot alone (no live counters, so no leak rate or time to exhaustion for them).", said);

        // A driver that does publish pool telemetry but sent none keeps the session's own warning.
        var quiet = Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = Process,
            Heap = Heap([]),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Warnings = [TelemetryFacts.NoPoolTelemetryWarning] },
            LoadedDrivers = [Npgsql],
        });
        Assert.Contains(TelemetryFacts.NoPoolTelemetryWarning, quiet.Warnings);
        Assert.DoesNotContain(quiet.Warnings, w => w.Contains("publishes no pool telemetry", StringComparison.Ordinal));

        // Both loaded and none heard from: SQLite is stated, and the quiet Npgsql keeps the session's warning.
        var both = Diagnoser.Diagnose(new DiagnosisInput
        {
            Target = Process,
            Heap = Heap([]),
            Telemetry = new TelemetryFacts { WindowSeconds = 10, Warnings = [TelemetryFacts.NoPoolTelemetryWarning] },
            LoadedDrivers = [Npgsql, Sqlite],
        });
        Assert.Contains(TelemetryFacts.NoPoolTelemetryWarning, both.Warnings);
        Assert.Contains(both.Warnings, w => w.StartsWith($"{Sqlite} publishes no pool telemetry: its pools are judged from the heap", StringComparison.Ordinal));
    }
}
