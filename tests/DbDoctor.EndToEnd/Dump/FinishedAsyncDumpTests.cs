using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// A finished async method whose frame stays on a thread's stack (its completion ran the caller inline, and the caller
/// blocks) is no holder: the data source only its leftover slots reach is a leaked pool like the others.
/// </summary>
[Collection("postgres")]
public sealed class FinishedAsyncDumpTests(PostgresServer server)
{
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Data_source_reached_only_by_a_finished_async_frame_is_a_leaked_pool()
    {
        var name = $"e2e-dump-fin-{RunId}";
        var dump = await DumpCache.GetAsync("npgsql-finished-async", async _ =>
        {
            // 12 tenant pools with one idle connection each, plus the held main data source's none (it never opened one).
            var seen = await PostgresServer.WaitForAsync(() => server.CountSessions(name + "%", "idle"), 12, TimeSpan.FromSeconds(10));
            Assert.Equal(12, seen);
            return (object)seen;
        }, ["--pg", server.ConnectionString, "--app-name", name, "--count", "12"]);
        var report = await DumpReport.OfAsync(dump);

        Assert.Equal(12, dump.ExpectedCount("leaked-pool"));
        report.AssertMatchesHandshake();
        report.AssertPoolsAreConsistent();
        Assert.Equal(12, report.CountOf("leaked-pool", "npgsql"));
        Assert.Empty(report.FindingsOf("held-connection"));

        // The shape is really there: the leftover frame was seen, and said so, rather than missed.
        var method = dump.Info.GetProperty("finishedAsyncMethod").GetString()!;
        var evidence = report.FindingsOf("leaked-pool").SelectMany(f => DumpReport.Strings(f, "evidence")).ToList();
        Assert.True(evidence.Any(e => e.Contains("finished async method", StringComparison.Ordinal) && e.Contains(method, StringComparison.Ordinal)),
            $"no evidence names the finished async method {method}: {string.Join(" | ", evidence)}. {report.Summary()}");
    }
}
