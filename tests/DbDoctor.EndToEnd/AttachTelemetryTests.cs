using System.Diagnostics;
using DbDoctor.EndToEnd.Infrastructure;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Telemetry;

namespace DbDoctor.EndToEnd;

/// <summary>
/// The telemetry library underneath `dbdoctor attach`, for what the CLI cannot show: cancellation of a live session,
/// progress reports, and the privacy of the snapshot file. What attach reports is tested through the CLI (Cli/AttachCliTests).
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
    public async Task Cancelling_stops_the_session_promptly_returns_what_was_seen_and_the_target_can_be_attached_again()
    {
        using var app = await StartLeakUnderLoadAsync(UniqueApplicationName());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var progressReports = new List<TelemetryProgress>();
        var clock = Stopwatch.StartNew();

        var facts = await TelemetryCollector.CollectAsync(
            app.Pid, new TelemetryOptions { Duration = TimeSpan.FromSeconds(60) }, new SynchronousProgress(progressReports), cts.Token);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.InRange(facts.WindowSeconds, 3.5, 6);
        Assert.Contains(facts.Pools, p => p.Samples.Count > 0);
        Assert.False(facts.TargetExited);
        Assert.False(app.HasExited);
        Assert.Contains(progressReports, p => p.CurrentMax == 10); // the live status line sees the pool's max

        var again = await CollectAsync(app.Pid, 3);
        Assert.NotEmpty(again.Pools);
    }

    [Fact]
    public async Task A_snapshot_of_a_process_that_is_not_dotnet_is_refused()
    {
        // The CLI refuses such a pid before the window (Cli/AttachBadInputTests); the snapshotter must refuse it on its own too.
        using var notDotNet = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var refused = await Assert.ThrowsAsync<DbDoctorInputException>(() => HeapSnapshotter.WriteAsync(notDotNet.Id, null, CancellationToken.None));
            Assert.DoesNotContain("Exception", refused.Message, StringComparison.Ordinal);
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
        using (var snapshot = await HeapSnapshotter.WriteAsync(app.Pid, null, CancellationToken.None))
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
