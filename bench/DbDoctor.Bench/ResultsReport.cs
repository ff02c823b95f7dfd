using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DbDoctor.Bench;

/// <summary>The benchmark's results as markdown: the machine, the heap table, the targets, the attach costs.</summary>
public static class ResultsReport
{
    public const double MaxTimeRatio = 2.0;
    public const double MaxMemoryRatio = 1.5;

    /// <summary>A straight line through (objects, seconds) may miss a measured time by this share and still count as linear.</summary>
    public const double LinearityTolerance = 0.15;

    public sealed record Verdict(string Target, bool Met, string Detail);

    public static List<Verdict> Verdicts(IReadOnlyList<HeapMeasurement> heaps)
    {
        var verdicts = new List<Verdict>
        {
            new($"dbdoctor time <= {MaxTimeRatio:0.0} x baseline at every size", heaps.All(h => h.TimeRatio <= MaxTimeRatio),
                string.Join(", ", heaps.Select(h => $"{Label(h.Dump.BallastObjects)}: {h.TimeRatio:0.00}"))),
            new($"dbdoctor peak memory <= {MaxMemoryRatio:0.0} x baseline at every size", heaps.All(h => h.MemoryRatio <= MaxMemoryRatio),
                string.Join(", ", heaps.Select(h => $"{Label(h.Dump.BallastObjects)}: {h.MemoryRatio:0.00}"))),
            new("every dump: the leak counts the scenario promised", heaps.All(h => h.Mismatches.Count == 0),
                string.Join("; ", heaps.Select(h => $"{Label(h.Dump.BallastObjects)}: " + (h.Mismatches.Count == 0 ? "ok" : string.Join(", ", h.Mismatches))))),
            new("ballast changes nothing: same findings on every dump", heaps.Select(h => ReportCheck.Format(h.FindingCounts)).Distinct().Count() == 1,
                string.Join("; ", heaps.Select(h => ReportCheck.Format(h.FindingCounts)).Distinct())),
        };
        var (baselineSettings, dbdoctorSettings) = (RuntimeSettings(HeapBench.BaselineDll), RuntimeSettings(HeapBench.DbDoctorDll));
        verdicts.Add(new Verdict("same runtime settings for both processes (a fair comparison)", SameSettings(baselineSettings, dbdoctorSettings),
            SameSettings(baselineSettings, dbdoctorSettings) ? "see the heap section" : $"baseline {Format(baselineSettings)}; dbdoctor {Format(dbdoctorSettings)}"));
        if (heaps.Count >= 3)
        {
            var (fixedSeconds, perObject, worst) = LinearFit(heaps, h => h.DbDoctorSeconds);
            var (baselineFixed, baselinePerObject, _) = LinearFit(heaps, h => h.BaselineSeconds);
            verdicts.Add(new Verdict($"dbdoctor time grows linearly with the objects (a least-squares line misses no size by more than {LinearityTolerance:P0})",
                worst <= LinearityTolerance,
                Invariant($"dbdoctor {fixedSeconds:0.00} s + {perObject * 1e9:0} ns per object, worst miss {worst:P0}; baseline {baselineFixed:0.00} s + {baselinePerObject * 1e9:0} ns per object")));
        }

        return verdicts;
    }

    /// <summary>
    /// A program's runtime knobs: the System.* properties of its runtimeconfig.json (GC, tiering, PGO, globalization…),
    /// less System.CommandLine's, which configure the app and not the runtime. The environment (DOTNET_*) is the
    /// benchmark's own for both children, so these files are where the two processes' runtime settings can differ.
    /// </summary>
    public static SortedDictionary<string, string> RuntimeSettings(string dll)
    {
        var configPath = Path.ChangeExtension(dll, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(configPath));
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties))
        {
            foreach (var property in properties.EnumerateObject()
                .Where(p => p.Name.StartsWith("System.", StringComparison.Ordinal) && !p.Name.StartsWith("System.CommandLine.", StringComparison.Ordinal)))
            {
                settings[property.Name] = property.Value.ToString();
            }
        }

        return settings;
    }

    private static bool SameSettings(SortedDictionary<string, string> a, SortedDictionary<string, string> b) => a.SequenceEqual(b);

    private static string Format(SortedDictionary<string, string> settings) =>
        settings.Count == 0 ? "(runtime defaults)" : string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"));

    private static string RuntimeSettingsSentence()
    {
        var (baseline, dbdoctor) = (RuntimeSettings(HeapBench.BaselineDll), RuntimeSettings(HeapBench.DbDoctorDll));
        return SameSettings(baseline, dbdoctor)
            ? $"Runtime settings: the same for both processes (each program's runtimeconfig.json; the DOTNET_ environment is shared): {Format(dbdoctor)}. Dynamic PGO is off in both csproj files: for a short-lived batch process its instrumentation costs ~6 MB of peak memory and never pays off."
            : $"Runtime settings DIFFER, so the ratios below compare unlike processes: baseline {Format(baseline)}; dbdoctor {Format(dbdoctor)}.";
    }

    /// <summary>Least-squares line seconds = a + b × objects, and its largest miss relative to a measured time.</summary>
    private static (double Fixed, double PerObject, double WorstRelativeMiss) LinearFit(IReadOnlyList<HeapMeasurement> heaps, Func<HeapMeasurement, double> seconds)
    {
        var meanX = heaps.Average(h => (double)h.Objects);
        var meanY = heaps.Average(seconds);
        var sxx = heaps.Sum(h => (h.Objects - meanX) * (h.Objects - meanX));
        var sxy = heaps.Sum(h => (h.Objects - meanX) * (seconds(h) - meanY));
        var slope = sxy / sxx;
        var intercept = meanY - (slope * meanX);
        var worst = heaps.Max(h => Math.Abs(intercept + (slope * h.Objects) - seconds(h)) / seconds(h));
        return (intercept, slope, worst);
    }

    public static string Render(IReadOnlyList<HeapMeasurement> heaps, AttachMeasurement? attach, int runs, string command, DateTime started, string loadAtStart)
    {
        var text = new StringBuilder();
        text.AppendLine("# DbDoctor benchmark results").AppendLine();
        text.AppendLine(Invariant($"Command: `{command}` ({runs} runs per tool and dump, medians). Generated by bench/DbDoctor.Bench; do not edit by hand.")).AppendLine();
        text.AppendLine("## Machine").AppendLine();
        text.AppendLine(Invariant($"- date: {started:yyyy-MM-dd HH:mm} UTC"));
        text.AppendLine(Invariant($"- CPU: {CpuModel()}, {Environment.ProcessorCount} cores"));
        text.AppendLine(Invariant($"- memory: {MemoryGib():0.0} GiB"));
        text.AppendLine(Invariant($"- OS: {OperatingSystemName()}"));
        text.AppendLine(Invariant($"- .NET: {RuntimeInformation.FrameworkDescription}"));
        text.AppendLine(Invariant($"- load average (1/5/15 min) at start: {loadAtStart}; at end: {LoadAverage()} (the machine is shared: expect noise)"));
        text.AppendLine();

        text.AppendLine("## Heap dumps: baseline walk vs `dbdoctor dump --format json`").AppendLine();
        text.AppendLine("Dumps of testapps' `mixed` scenario (Npgsql + SQLite leaks beside healthy load) plus `--ballast N` unrelated live objects,");
        text.AppendLine("written by the target runtime (DiagnosticsClient.WriteDump, DumpType.WithHeap). Baseline: bench/DbDoctor.Bench.Baseline opens");
        text.AppendLine("the dump with ClrMD and enumerates every object once (type and size), the floor of any ClrMD-based tool. Time: wall time of");
        text.AppendLine("the whole process (startup included). Memory: peak resident set of the process (GNU time %M, the kernel's ru_maxrss).");
        text.AppendLine(RuntimeSettingsSentence()).AppendLine();
        text.AppendLine("| ballast | objects in dump | dump size | baseline time | baseline peak RSS | dbdoctor time | dbdoctor peak RSS | time ratio | memory ratio | dump write (target pause) |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var h in heaps)
        {
            text.AppendLine(Invariant(
                $"| {Label(h.Dump.BallastObjects)} | {h.Objects:N0} | {Gib(h.Dump.FileBytes):0.00} GiB | {h.BaselineSeconds:0.00} s | {HeapBench.Mib(h.BaselinePeakBytes):0} MiB | {h.DbDoctorSeconds:0.00} s | {HeapBench.Mib(h.DbDoctorPeakBytes):0} MiB | {h.TimeRatio:0.00} | {h.MemoryRatio:0.00} | {h.Dump.WriteSeconds:0.0} s |"));
        }

        text.AppendLine();
        text.AppendLine("Findings per dump: " + string.Join("; ", heaps.Select(h => $"{Label(h.Dump.BallastObjects)}: {ReportCheck.Format(h.FindingCounts)}")) + ".");
        text.AppendLine("Individual runs (s / MiB): " + string.Join("; ", heaps.Select(h =>
            $"{Label(h.Dump.BallastObjects)} baseline " + string.Join(" ", h.Baseline.Select(Run)) + ", dbdoctor " + string.Join(" ", h.DbDoctor.Select(Run)))) + ".");
        text.AppendLine();

        text.AppendLine("## Targets").AppendLine();
        foreach (var verdict in Verdicts(heaps))
        {
            text.AppendLine($"- {(verdict.Met ? "MET" : "MISSED")}: {verdict.Target} ({verdict.Detail})");
        }

        text.AppendLine();
        if (attach is not null)
        {
            RenderAttach(text, attach);
        }

        return text.ToString();
    }

    private static void RenderAttach(StringBuilder text, AttachMeasurement attach)
    {
        text.AppendLine("## Attach: cost to the target").AppendLine();
        text.AppendLine(Invariant($"Target: testapps' `npgsql-fixed-rate --rate {attach.Rate} --workers 4 --ballast {attach.BallastObjects}` (SELECT 1 through a pooled NpgsqlDataSource, private PostgreSQL 15 on the same machine)."));
        text.AppendLine("Telemetry session: src/DbDoctor.Telemetry's TelemetryCollector (what `dbdoctor attach` runs: Npgsql and System.Runtime");
        text.AppendLine("EventCounters, the Npgsql meter through System.Diagnostics.Metrics, runtime exception events), in the benchmark's process,");
        text.AppendLine(Invariant($"for each \"with session\" window plus 6 s; pool samples it collected in all sessions: {attach.PoolSamples:N0}.")).AppendLine();
        text.AppendLine("| window | queries/s (target rate " + attach.Rate + ") | failures | target CPU (% of one core) | mean latency | max latency |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, windows) in new[] { ("without session", attach.Without), ("with session", attach.With), ("with session + --trace", attach.WithTrace) })
        {
            text.AppendLine(Invariant(
                $"| {name} (median of {windows.Count}) | {HeapMeasurement.Median(windows.Select(w => w.QueriesPerSecond)):0} | {windows.Sum(w => w.Failures)} | {HeapMeasurement.Median(windows.Select(w => w.CpuPercentOfOneCore)):0.0} | {HeapMeasurement.Median(windows.Select(w => w.MeanLatencyMicros)):0} µs | {HeapMeasurement.Median(windows.Select(w => w.MaxLatencyMicros)) / 1000:0.0} ms |"));
        }

        text.AppendLine();
        text.AppendLine(Invariant($"`--trace` windows: the same telemetry session plus src/DbDoctor.Telemetry/Tracing's OperationTracer (the drivers' activities through the DiagnosticSource bridge, with managed stacks, loader/JIT events and a rundown), started before the window; it traced {attach.TracedOperations:N0} driver operations in all windows."));
        text.AppendLine();
        var writes = string.Join(", ", attach.DumpWriteSeconds.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)));
        var stalls = string.Join(", ", attach.ObservedStallMillis.Select(s => s.ToString("0", CultureInfo.InvariantCulture)));
        text.AppendLine(Invariant(
            $"Heap snapshot of the same target (DumpType.WithHeap, {Gib(attach.DumpBytes.DefaultIfEmpty(0).Max()):0.00} GiB): WriteDump took {writes} s (median {HeapMeasurement.Median(attach.DumpWriteSeconds):0.00} s); the longest stall a 1 ms sleeper thread inside the target saw: {stalls} ms (median {HeapMeasurement.Median(attach.ObservedStallMillis):0} ms)."));
        text.AppendLine("The dump-write column of the heap table is the same pause for the bigger heaps (measured when each cached dump was written).");
        text.AppendLine();
    }

    private static string Run(MeasuredRun run) => Invariant($"{run.Wall.TotalSeconds:0.00}/{HeapBench.Mib(run.PeakRssBytes):0}");

    public static string Label(long objects) => objects switch
    {
        0 => "none",
        >= 1_000_000 when objects % 1_000_000 == 0 => Invariant($"{objects / 1_000_000}M"),
        >= 1_000 when objects % 1_000 == 0 => Invariant($"{objects / 1_000}k"),
        _ => Invariant($"{objects}"),
    };

    private static double Gib(double bytes) => bytes / (1024.0 * 1024 * 1024);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

    private static double MemoryGib()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / (1024.0 * 1024);
    }

    private static string OperatingSystemName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription
            : RuntimeInformation.OSDescription;

    public static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
