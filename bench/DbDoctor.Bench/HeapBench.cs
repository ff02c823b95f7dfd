using System.Globalization;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

/// <summary>The measurements of one dump: several runs of the baseline walk and of <c>dbdoctor dump --format json</c>.</summary>
public sealed record HeapMeasurement(
    BenchDump Dump,
    long Objects,
    IReadOnlyList<MeasuredRun> Baseline,
    IReadOnlyList<MeasuredRun> DbDoctor,
    SortedDictionary<string, int> FindingCounts,
    List<string> Mismatches)
{
    public double BaselineSeconds => Median(Baseline.Select(r => r.Wall.TotalSeconds));
    public double DbDoctorSeconds => Median(DbDoctor.Select(r => r.Wall.TotalSeconds));
    public double BaselinePeakBytes => Median(Baseline.Select(r => (double)r.PeakRssBytes));
    public double DbDoctorPeakBytes => Median(DbDoctor.Select(r => (double)r.PeakRssBytes));
    public double TimeRatio => DbDoctorSeconds / BaselineSeconds;
    public double MemoryRatio => DbDoctorPeakBytes / BaselinePeakBytes;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>Runs the baseline and dbdoctor on one dump, alternating, so load changes on the shared machine hit both alike.</summary>
public static class HeapBench
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    public static async Task<HeapMeasurement> MeasureAsync(BenchDump dump, int runs)
    {
        var baseline = new List<MeasuredRun>();
        var dbdoctor = new List<MeasuredRun>();
        for (var run = 0; run < runs; run++)
        {
            baseline.Add(await RunBaselineAsync(dump).ConfigureAwait(false));
            dbdoctor.Add(await RunDbDoctorAsync(dump).ConfigureAwait(false));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  run {run + 1}/{runs}: baseline {baseline[^1].Wall.TotalSeconds:0.00} s {Mib(baseline[^1].PeakRssBytes):0} MiB, dbdoctor {dbdoctor[^1].Wall.TotalSeconds:0.00} s {Mib(dbdoctor[^1].PeakRssBytes):0} MiB"));
        }

        var objects = ParseObjects(baseline[0].Stdout);
        var counts = ReportCheck.CountsByKind(dbdoctor[0].Stdout);
        var mismatches = ReportCheck.Mismatches(dump.Expected, counts);
        foreach (var other in dbdoctor.Skip(1))
        {
            var again = ReportCheck.CountsByKind(other.Stdout);
            if (!again.SequenceEqual(counts))
            {
                mismatches.Add($"two runs on the same dump disagree: {ReportCheck.Format(counts)} vs {ReportCheck.Format(again)}");
            }
        }

        return new HeapMeasurement(dump, objects, baseline, dbdoctor, counts, mismatches);
    }

    public static string BaselineDll => ChildProcess.ProgramPath("DbDoctor.Bench.Baseline", typeof(HeapBench).Assembly);

    public static string DbDoctorDll => ChildProcess.ProgramPath("dbdoctor");

    private static async Task<MeasuredRun> RunBaselineAsync(BenchDump dump)
    {
        var run = await GnuTime.MeasureAsync(BaselineDll, [dump.Path], RunTimeout).ConfigureAwait(false);
        return run.ExitCode == 0 ? run : throw new InvalidOperationException($"The baseline walk failed on {dump.Path} (exit code {run.ExitCode}): {run.Stderr}");
    }

    private static async Task<MeasuredRun> RunDbDoctorAsync(BenchDump dump)
    {
        var run = await GnuTime.MeasureAsync(DbDoctorDll, ["dump", dump.Path, "--format", "json"], RunTimeout).ConfigureAwait(false);
        // 0 healthy, 3 findings: both produce a report; anything else is a failure of the run itself.
        return run.ExitCode is 0 or 3 ? run : throw new InvalidOperationException($"dbdoctor dump failed on {dump.Path} (exit code {run.ExitCode}): {run.Stderr}{run.Stdout}");
    }

    private static long ParseObjects(string baselineStdout)
    {
        var field = baselineStdout.Split(' ', StringSplitOptions.TrimEntries).FirstOrDefault(f => f.StartsWith("objects=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"The baseline printed no object count: {baselineStdout}");
        return long.Parse(field["objects=".Length..], CultureInfo.InvariantCulture);
    }

    public static double Mib(double bytes) => bytes / (1024 * 1024);
}
