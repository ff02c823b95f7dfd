using System.Diagnostics;
using DbDoctor.EndToEnd.Infrastructure;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry;

namespace DbDoctor.EndToEnd;

/// <summary>
/// The live EventPipe session against a real service leaking one transaction per second into a 10-connection pool,
/// with PostgreSQL's pg_stat_activity as the independent count of the pool's connections.
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes: dumps are private on Unix
public sealed class AttachTelemetryTests(PostgresServer server)
{
    private static string UniqueApplicationName() => $"e2e-attach-{Guid.NewGuid():N}"[..30];

    private Task<TestApp> StartLeakUnderLoadAsync(string applicationName) =>
        TestApp.StartAsync("npgsql-leak-under-load", "--pg", server.ConnectionString, "--app-name", applicationName,
            "--max-pool", "10", "--timeout", "2", "--leak-interval-ms", "1000");

    private static Task<TelemetryFacts> CollectAsync(int pid, double seconds, CancellationToken ct = default) =>
        TelemetryCollector.CollectAsync(pid, new TelemetryOptions { Duration = TimeSpan.FromSeconds(seconds) }, null, ct);

    [Fact]
    public async Task Leak_under_load_shows_the_pool_filling_up_timeouts_and_distinct_exhaustion_failures()
    {
        var applicationName = UniqueApplicationName();
        using var app = await StartLeakUnderLoadAsync(applicationName);
        var progressReports = new List<TelemetryProgress>();
        var progress = new SynchronousProgress(progressReports);

        var facts = await TelemetryCollector.CollectAsync(app.Pid, new TelemetryOptions { Duration = TimeSpan.FromSeconds(15) }, progress, default);
        var serverConnections = server.CountSessions(applicationName);

        Assert.False(facts.TargetExited);
        Assert.InRange(facts.WindowSeconds, 14.5, 20);
        // The scenario's own "-setup" data source (Pooling=False) is reported too; the service's pool is the one to check.
        var pool = Assert.Single(facts.Pools, p => p.Name.Contains($"Application Name={applicationName};", StringComparison.Ordinal));
        Assert.Equal("Npgsql", pool.Driver);
        Assert.DoesNotContain(PostgresServer.Password, pool.Name, StringComparison.Ordinal);
        Assert.InRange(pool.Samples.Count, 10, 18);

        // The leak takes one connection per second: used climbs, then sits at the maximum with nothing idle.
        var used = pool.Samples.Where(s => s.Used is not null).Select(s => s.Used!.Value).ToList();
        Assert.True(used[^1] > used[0], $"used should climb: {string.Join(",", used)}");
        var last = pool.Samples[^1];
        Assert.Equal(10, last.Max);
        Assert.Equal(10, last.Used);
        Assert.Equal(0, last.Idle);
        Assert.Equal(serverConnections, (int)(last.Used!.Value + last.Idle!.Value)); // pg_stat_activity agrees
        Assert.True(pool.Samples.Any(s => s.PendingRequests > 0), "requests should queue for a connection");
        Assert.True(last.Timeouts >= 2, $"timeouts: {last.Timeouts}");

        // Every timeout is one exhaustion failure, thrown ~4 times on its way up the async chain.
        var exhausted = Assert.Single(facts.Exceptions, e => e.Type == "Npgsql.NpgsqlException" && e.Message.Contains("exhausted", StringComparison.Ordinal));
        Assert.True(exhausted.Events > exhausted.Count, $"rethrows collapsed: {exhausted.Count} of {exhausted.Events}");
        Assert.InRange(exhausted.Count, (int)last.Timeouts!.Value - 4, (int)last.Timeouts!.Value + 4);
        Assert.True(facts.RuntimeCounters.ContainsKey("cpu-usage"));

        Assert.NotEmpty(progressReports);
        Assert.Contains(progressReports, p => p.CurrentMax == 10);
        Assert.False(app.HasExited); // never left suspended or killed
    }

    [Fact]
    public async Task Cancelling_stops_the_session_promptly_returns_what_was_seen_and_the_target_can_be_attached_again()
    {
        using var app = await StartLeakUnderLoadAsync(UniqueApplicationName());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var clock = Stopwatch.StartNew();

        var facts = await CollectAsync(app.Pid, 60, cts.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.InRange(facts.WindowSeconds, 3.5, 6);
        Assert.Contains(facts.Pools, p => p.Samples.Count > 0);
        Assert.False(facts.TargetExited);
        Assert.False(app.HasExited);

        var again = await CollectAsync(app.Pid, 3);
        Assert.NotEmpty(again.Pools);
    }

    [Fact]
    public async Task A_target_that_exits_during_the_window_returns_what_was_collected()
    {
        using var app = await StartLeakUnderLoadAsync(UniqueApplicationName());
        var collecting = CollectAsync(app.Pid, 30);
        await Task.Delay(TimeSpan.FromSeconds(4));
        app.Stop(TimeSpan.FromSeconds(5));

        var facts = await collecting.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(facts.TargetExited);
        Assert.True(facts.WindowSeconds < 15, $"window {facts.WindowSeconds}");
        Assert.Contains(facts.Pools, p => p.Samples.Count > 0);
        Assert.DoesNotContain(facts.Warnings, w => w.Contains("error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_targets_are_refused_with_one_clear_sentence()
    {
        var missing = await Assert.ThrowsAsync<DbDoctorInputException>(() => CollectAsync(int.MaxValue - 7, 1));
        Assert.Contains("No process", missing.Message, StringComparison.Ordinal);

        using var notDotNet = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var refused = await Assert.ThrowsAsync<DbDoctorInputException>(() => CollectAsync(notDotNet.Id, 1));
            Assert.Contains("not an attachable .NET process", refused.Message, StringComparison.Ordinal);
            Assert.Throws<DbDoctorInputException>(() => HeapSnapshotter.Write(notDotNet.Id, null));
        }
        finally
        {
            notDotNet.Kill();
            notDotNet.WaitForExit();
        }
    }

    [Fact]
    public async Task Heap_snapshot_is_private_reports_the_pause_and_is_deleted_on_dispose()
    {
        using var app = await StartLeakUnderLoadAsync(UniqueApplicationName());
        string path;
        string directory;
        using (var snapshot = HeapSnapshotter.Write(app.Pid, null))
        {
            path = snapshot.Path;
            directory = Path.GetDirectoryName(path)!;
            Assert.False(snapshot.Keep);
            Assert.True(new FileInfo(path).Length > 20 * 1024 * 1024, "a heap dump holds the GC heap");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
            var magic = new byte[4];
            using (var stream = File.OpenRead(path))
            {
                stream.ReadExactly(magic);
            }

            Assert.Equal("\u007fELF"u8.ToArray(), magic);
            Assert.True(snapshot.TargetPause > TimeSpan.Zero && snapshot.TargetPause <= snapshot.WriteDuration + TimeSpan.FromMilliseconds(5),
                $"pause {snapshot.TargetPause} write {snapshot.WriteDuration}");
        }

        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(directory));
        Assert.False(app.HasExited);
    }

    [Fact]
    public async Task Heap_snapshot_can_be_kept_at_a_chosen_path()
    {
        using var app = await StartLeakUnderLoadAsync(UniqueApplicationName());
        var keep = Path.Combine(Directory.CreateTempSubdirectory("dbdoctor-e2e-keep-").FullName, "kept.dmp");
        try
        {
            using (var snapshot = HeapSnapshotter.Write(app.Pid, keep))
            {
                Assert.True(snapshot.Keep);
                Assert.Equal(keep, snapshot.Path);
            }

            Assert.True(File.Exists(keep));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keep));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(keep)!, recursive: true);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the test wants every report, in order, before it asserts.</summary>
    private sealed class SynchronousProgress(List<TelemetryProgress> reports) : IProgress<TelemetryProgress>
    {
        public void Report(TelemetryProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
