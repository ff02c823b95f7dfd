using System.Globalization;
using DbDoctor.Bench;
using DbDoctor.TestHarness;

// Generates (or reuses) heap dumps of the mixed scenario with ballast, measures the baseline walk and dbdoctor on each,
// measures what attaching costs a fixed-rate target, and writes bench/RESULTS.md. Exit 1 when dbdoctor's leak counts
// are wrong on any dump (the CI smoke test relies on that), 2 on a bad command line. With --watch-soak it only runs
// dbdoctor watch beside a busy target for ten minutes and exits 1 when watch's memory was not flat. With --wide-shapes it
// only measures the wide-object shapes (one huge list, one big dictionary, one deep chain) and updates their section.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {e.Message}\n{BenchOptions.Usage}");
    return 2;
}

var started = DateTime.UtcNow;
var loadAtStart = ResultsReport.LoadAverage();
var cache = options.CacheDirectory ?? Path.Combine(ChildProcess.RepositoryRoot, ".cache", "bench");
Directory.CreateDirectory(cache);
PostgresServer? postgres = null;
try
{
    string ConnectionString()
    {
        if (postgres is null)
        {
            Console.Error.WriteLine("Starting a private PostgreSQL 15…");
            postgres = new PostgresServer();
        }

        return postgres.ConnectionString;
    }

    var command = "dotnet run -c Release --project bench/DbDoctor.Bench --" + (args.Length == 0 ? "" : " " + string.Join(' ', args));
    var resultsPath = options.ResultsPath ?? (options.Smoke ? null : Path.Combine(ChildProcess.RepositoryRoot, "bench", "RESULTS.md"));
    var existing = resultsPath is not null && File.Exists(resultsPath) ? await File.ReadAllTextAsync(resultsPath) : "";
    if (options.WatchSoak)
    {
        Console.Error.WriteLine($"Watch soak: {options.SoakMinutes} min against a target at {options.Rate} queries/s…");
        var soak = await WatchSoakBench.MeasureAsync(ConnectionString(), options.Rate, TimeSpan.FromMinutes(options.SoakMinutes), options.WindowSeconds);
        var section = WatchSoakReport.Render(soak, command, started, loadAtStart);
        Console.Out.WriteLine(section);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, WatchSoakReport.Splice(existing, section));
            Console.Error.WriteLine($"Watch section written to {resultsPath}.");
        }

        return WatchSoakReport.Flat(soak) ? 0 : 1;
    }

    var library = new DumpLibrary(cache, ConnectionString);
    var shapes = new List<HeapMeasurement>();
    if (options.Wide)
    {
        foreach (var shape in BenchOptions.WideShapeNames)
        {
            var dump = await library.GetAsync(options.WideEntries, shape);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Wide shape {shape} ({dump.BallastObjects:N0} entries): {dump.Path} ({dump.FileBytes / (1024.0 * 1024):0} MiB{(dump.WrittenThisRun ? $", written in {dump.WriteSeconds:0.0} s" : ", cached")})"));
            shapes.Add(await HeapBench.MeasureAsync(dump, options.Runs));
        }
    }

    var wideSection = options.Wide ? WideShapesReport.Render(shapes, options.Runs, command.TrimEnd('-', ' '), started, loadAtStart) : null;
    if (options.OnlyWide)
    {
        Console.Out.WriteLine(wideSection);
        if (resultsPath is not null)
        {
            await File.WriteAllTextAsync(resultsPath, WideShapesReport.Splice(existing, wideSection!));
            Console.Error.WriteLine($"Wide-shape section written to {resultsPath}.");
        }

        return Report(shapes);
    }

    var heaps = new List<HeapMeasurement>();
    foreach (var size in options.BallastSizes.Order())
    {
        var dump = await library.GetAsync(size);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Ballast {ResultsReport.Label(size)}: {dump.Path} ({dump.FileBytes / (1024.0 * 1024):0} MiB{(dump.WrittenThisRun ? $", written in {dump.WriteSeconds:0.0} s" : ", cached")})"));
        heaps.Add(await HeapBench.MeasureAsync(dump, options.Runs));
    }

    AttachMeasurement? attach = null;
    if (options.Attach)
    {
        Console.Error.WriteLine($"Attach: fixed rate {options.Rate} queries/s…");
        attach = await AttachBench.MeasureAsync(ConnectionString(), options.Rate, options.BallastSizes.Min(), options.AttachRounds, options.WindowSeconds, cache);
    }

    var markdown = ResultsReport.Render(heaps, attach, options.Runs, command.TrimEnd('-', ' '), started, loadAtStart);
    if ((wideSection ?? WideShapesReport.Existing(existing)) is { } wide)
    {
        markdown = WideShapesReport.Splice(markdown, wide);
    }

    Console.Out.WriteLine(markdown);
    if (WatchSoakReport.Existing(existing) is { } watchSection)
    {
        markdown = WatchSoakReport.Splice(markdown, watchSection);
    }

    if (resultsPath is not null)
    {
        await File.WriteAllTextAsync(resultsPath, markdown);
        Console.Error.WriteLine($"Results written to {resultsPath}.");
    }

    return Report([.. heaps, .. shapes]);

    int Report(IReadOnlyList<HeapMeasurement> measured)
    {
        var wrong = measured.Where(h => h.Mismatches.Count > 0).ToList();
        foreach (var heap in wrong)
        {
            Console.Error.WriteLine($"FAIL: ballast {heap.Dump.Shape} {ResultsReport.Label(heap.Dump.BallastObjects)}: {string.Join("; ", heap.Mismatches)}");
        }

        if (wrong.Count == 0)
        {
            Console.Error.WriteLine($"OK: leak counts as promised on {measured.Count} dump(s); {(DateTime.UtcNow - started).TotalMinutes:0.0} min.");
        }

        return wrong.Count == 0 ? 0 : 1;
    }
}
finally
{
    postgres?.Dispose();
}
