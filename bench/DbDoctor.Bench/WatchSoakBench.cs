using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DbDoctor.TestHarness;

namespace DbDoctor.Bench;

/// <summary>What `dbdoctor watch` costs over a long run: its own resident memory and CPU, and the target's load with and without it.</summary>
public sealed record WatchSoakMeasurement(
    int Rate,
    TimeSpan Soak,
    IReadOnlyList<TargetLoadWindow> Without,
    IReadOnlyList<TargetLoadWindow> With,
    IReadOnlyList<ResidentSample> Rss,
    double WatchCpuSeconds,
    int Samples,
    int Scrapes,
    int Reports)
{
    /// <summary>Mean of <paramref name="value"/> over the samples of one minute of the run (0-based).</summary>
    public double MeanOfMinute(int minute, Func<ResidentSample, double> value) =>
        Rss.Where(r => r.RssBytes > 0 && (int)r.At.TotalMinutes == minute).Select(value).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Mean resident set of one minute of the run (0-based), from the samples taken in it.</summary>
    public double MeanRssOfMinute(int minute) => MeanOfMinute(minute, r => r.RssBytes);

    public int Minutes => (int)Soak.TotalMinutes;

    /// <summary>Last minute's mean RSS over the first minute's, start-up included.</summary>
    public double LastOverFirst => MeanRssOfMinute(Minutes - 1) / MeanRssOfMinute(0);

    /// <summary>
    /// Last minute's mean RSS over the second minute's: 1.0 is perfectly flat. The first minute is start-up: the runtime
    /// and the code it loads and compiles, and the GC's first gen0 allocation budget (16 MiB here) filling before its
    /// first collection, about 90 s in at watch's allocation rate; none of that grows with time.
    /// </summary>
    public double LastOverSecond => MeanRssOfMinute(Minutes - 1) / MeanRssOfMinute(1);
}

/// <summary>One reading of /proc/PID/status: the resident set, its anonymous part (GC heap, native allocations, thread
/// stacks), its file-backed part (mapped assemblies and native libraries), its shared part (the runtime maps executable
/// memory twice, through a shared memory file, for W^X: JIT code and stubs) and the thread count.</summary>
public sealed record ResidentSample(TimeSpan At, long RssBytes, long AnonBytes, long FileBytes, long SharedBytes, int Threads);

/// <summary>
/// Runs testapps' npgsql-fixed-rate scenario, measures it without watch, then runs the real `dbdoctor watch &lt;pid&gt;
/// --prometheus` beside it for the soak (its RSS read from /proc each second, /metrics scraped every 15 s like a
/// Prometheus would, one target window each minute), then stops watch with SIGTERM and measures the target again.
/// </summary>
public static class WatchSoakBench
{
    public static async Task<WatchSoakMeasurement> MeasureAsync(string connectionString, int rate, TimeSpan soak, int windowSeconds)
    {
        using var target = await TestApp.StartAsync("npgsql-fixed-rate",
            ["--pg", connectionString, "--rate", Invariant(rate), "--workers", "4"], DumpLibrary.HandshakeTimeout).ConfigureAwait(false);
        using var rateStats = new RateStatsFeed(target);
        await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);

        var without = new List<TargetLoadWindow>();
        for (var i = 0; i < 3; i++)
        {
            without.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
        }

        var port = FreePort();
        var reportDirectory = Directory.CreateTempSubdirectory("dbdoctor-bench-watch-").FullName;
        var info = ChildProcess.StartInfo(ChildProcess.DotnetHost,
            [ChildProcess.ProgramPath("dbdoctor"), "watch", Invariant(target.Pid), "--format", "json", "--prometheus", $"127.0.0.1:{port}", "--report-dir", reportDirectory]);
        using var watch = Process.Start(info) ?? throw new InvalidOperationException("Could not start dbdoctor watch.");
        var samples = 0;
        var stdout = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync().ConfigureAwait(false) is not null)
            {
                Interlocked.Increment(ref samples);
            }
        });
        var stderr = watch.StandardError.ReadToEndAsync();

        var rss = new List<ResidentSample>();
        var with = new List<TargetLoadWindow>();
        var scrapes = 0;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            var nextScrape = TimeSpan.FromSeconds(15);
            while (!stopSampling.IsCancellationRequested && !watch.HasExited)
            {
                var resident = Resident(watch.Id, clock.Elapsed);
                lock (rss)
                {
                    rss.Add(resident);
                }

                if (clock.Elapsed >= nextScrape)
                {
                    nextScrape += TimeSpan.FromSeconds(15);
                    try
                    {
                        _ = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).ConfigureAwait(false);
                        scrapes++;
                    }
                    catch (HttpRequestException)
                    {
                        // Counted by its absence: the results show how many scrapes answered.
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
        });

        double watchCpu;
        try
        {
            // One target window in each minute of the soak, started 20 s into it (past watch's start-up in the first).
            for (var minute = 0; minute < (int)soak.TotalMinutes; minute++)
            {
                await DelayUntil(clock, TimeSpan.FromMinutes(minute) + TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                with.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
                long latest;
                lock (rss)
                {
                    latest = rss.Count == 0 ? 0 : rss[^1].RssBytes;
                }

                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  minute {minute + 1}/{soak.TotalMinutes:0}: watch RSS {latest / (1024.0 * 1024):0.0} MiB, target {with[^1].QueriesPerSecond:0} q/s, {with[^1].MeanLatencyMicros:0} µs mean, {Volatile.Read(ref samples)} samples"));
                if (watch.HasExited)
                {
                    throw new InvalidOperationException($"dbdoctor watch exited with {watch.ExitCode}: {await stderr.ConfigureAwait(false)}");
                }
            }

            await DelayUntil(clock, soak).ConfigureAwait(false);
            watchCpu = TargetLoadWindow.ProcessCpuSeconds(watch.Id);
        }
        finally
        {
            await stopSampling.CancelAsync().ConfigureAwait(false);
            await sampling.ConfigureAwait(false);
            if (!watch.HasExited)
            {
                using var kill = Process.Start("kill", ["-TERM", Invariant(watch.Id)]);
                await kill.WaitForExitAsync().ConfigureAwait(false);
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await watch.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            await stdout.ConfigureAwait(false);
        }

        var reports = Directory.GetFiles(reportDirectory, "*.json").Length;
        Directory.Delete(reportDirectory, recursive: true);
        if (watch.ExitCode != 0)
        {
            throw new InvalidOperationException($"dbdoctor watch stopped with {watch.ExitCode} after SIGTERM: {await stderr.ConfigureAwait(false)}");
        }

        for (var i = 0; i < 3; i++)
        {
            without.Add(await TargetLoadWindow.MeasureAsync(rateStats, windowSeconds).ConfigureAwait(false));
        }

        return new WatchSoakMeasurement(rate, soak, without, with, rss, watchCpu, samples, scrapes, reports);
    }

    private static async Task DelayUntil(Stopwatch clock, TimeSpan at)
    {
        var wait = at - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait).ConfigureAwait(false);
        }
    }

    /// <summary>VmRSS, RssAnon, RssFile, RssShmem (bytes) and Threads of a process from /proc/&lt;pid&gt;/status; zeros once it exited.</summary>
    private static ResidentSample Resident(int pid, TimeSpan at)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ResidentSample(at, 0, 0, 0, 0, 0);
        }

        long Field(string name)
        {
            var line = lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }

        return new ResidentSample(at, Field("VmRSS") * 1024, Field("RssAnon") * 1024, Field("RssFile") * 1024, Field("RssShmem") * 1024, (int)Field("Threads"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
