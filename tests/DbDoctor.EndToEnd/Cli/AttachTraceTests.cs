using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Dump;
using Npgsql;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// <c>attach --trace</c> against a real service: origins of leaked transactions from the driver's own activities and
/// their stacks, joined by backend pid. Ground truth: pg_stat_activity's xact_start of each leaked session, read by the
/// test, against the moment tracing began (the report's telemetry.trace.startedAt).
/// </summary>
[Collection("postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AttachTraceTests(PostgresServer server)
{
    /// <summary>The scenario's leak: one transaction per second from this method.</summary>
    private const string LeakMethod = "DbDoctor.TestApp.Scenarios.NpgsqlLeakScenarios.LeakTransaction";

    /// <summary>Clock slack between the test's reading of the server and the tool's: both run on this machine.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Every_leak_begun_while_tracing_names_its_method_and_those_before_are_counted_without_one()
    {
        var name = $"e2e-trace-{Guid.NewGuid():N}"[..30];
        using var app = await TestApp.StartAsync("npgsql-leak-under-load",
            ["--pg", server.ConnectionString, "--app-name", name, "--max-pool", "80", "--leak-interval-ms", "1000", "--workers", "2"]);
        // Let a few leaks happen before tracing begins: they must be counted, never given a guessed origin.
        Assert.True(await PostgresServer.WaitForAsync(() => server.CountSessions(name, "idle in transaction"), 4, TimeSpan.FromSeconds(20)) >= 4);

        var run = await AttachRun.RunAsync(app.Pid, ["--trace", "--duration", "20s"]);

        Assert.True(run.Cli.ExitCode == 3, run.Summary());
        var leaks = await LeakedSessionsAsync(name);
        var trace = run.Telemetry.GetProperty("trace");
        var startedAt = DateTimeOffset.Parse(trace.GetProperty("startedAt").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(trace.GetProperty("enabled").GetBoolean());
        Assert.True(trace.GetProperty("operations").GetInt32() > 100, "the workers' queries were traced too");

        var snapshotAt = DateTimeOffset.Parse(trace.GetProperty("snapshotAt").GetString()!, CultureInfo.InvariantCulture);
        // The service goes on leaking after the snapshot: only what began before it is in the heap.
        var inHeap = leaks.Where(l => l.Began < snapshotAt - Slack).ToList();
        var inside = inHeap.Where(l => l.Began > startedAt + Slack).ToList();
        var before = inHeap.Where(l => l.Began < startedAt - Slack).ToList();
        var edge = inHeap.Count - inside.Count - before.Count;
        Assert.True(inside.Count >= 12, $"{inside.Count} leaks inside the window [{startedAt:O}, {snapshotAt:O}]");
        // The last of those may fall within the slack of the moment tracing began: at least 2 are surely before it.
        Assert.True(before.Count >= 2, $"{before.Count} leaks before the window; {string.Join(", ", inHeap.Select(l => l.Began.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)))}");

        var finding = Assert.Single(run.FindingsOf("leaked-transaction"));
        var count = finding.GetProperty("count").GetInt32();
        Assert.InRange(count, inHeap.Count, inHeap.Count + 1); // + one leak within the slack of the snapshot
        // Every leak begun inside the window has an origin, all in the one leaking method; the others have none.
        var evidence = DumpReport.Strings(finding, "evidence");
        var coverage = Assert.Single(evidence, e => e.StartsWith("Origin known for ", StringComparison.Ordinal));
        var known = int.Parse(coverage.Split(' ')[3], CultureInfo.InvariantCulture);
        Assert.InRange(known, inside.Count, inside.Count + edge + 1);
        Assert.Equal($"Origin known for {known} of {count} leaked transactions; {count - known} last ran before tracing began (run with a longer --duration)", coverage);
        var group = Assert.Single(finding.GetProperty("origins").EnumerateArray());
        Assert.Equal(known, group.GetProperty("count").GetInt32());
        // The test app's PDBs sit beside its assemblies: each frame names the line of its call, read here from the sources.
        var leakFrame = $"{LeakMethod} in NpgsqlLeakScenarios.cs:{SourceLine("NpgsqlLeakScenarios.cs", "public static void LeakTransaction(", ".ExecuteNonQuery(")}";
        var lambdaFrame = $"lambda in DbDoctor.TestApp.Scenarios.NpgsqlLoadScenarios.LeakUnderLoadAsync in NpgsqlLoadScenarios.cs:{SourceLine("NpgsqlLoadScenarios.cs", "LeakUnderLoadAsync(", "NpgsqlLeakScenarios.LeakTransaction(")}";
        Assert.Equal([leakFrame, lambdaFrame], DumpReport.Strings(group, "frames").Take(2));
        Assert.Contains(evidence, e => e.StartsWith($"Origin: {known} of {count} from {leakFrame} ← {lambdaFrame} ← ", StringComparison.Ordinal));
        Assert.Equal(known, trace.GetProperty("attributed").GetInt32());

        // The listed objects (at most 20, those with an origin first), each checked against the server's own clock.
        var objects = finding.GetProperty("objects").EnumerateArray().ToList();
        Assert.Equal(Math.Min(20, count), objects.Count);
        Assert.True(objects.SkipWhile(HasOrigin).All(o => !HasOrigin(o)), "objects with an origin come first");
        var began = inHeap.ToDictionary(l => l.Pid, l => l.Began);
        foreach (var o in objects)
        {
            var pid = DumpReport.IntOrNull(o, "serverPid")!.Value;
            var origin = o.GetProperty("origin");
            if (origin.ValueKind == JsonValueKind.Null)
            {
                Assert.DoesNotContain(inside, l => l.Pid == pid);
                continue;
            }

            Assert.DoesNotContain(before, l => l.Pid == pid);
            Assert.Equal(leakFrame, DumpReport.Strings(origin, "frames")[0]);
            Assert.Equal("execute", origin.GetProperty("operation").GetString());
            Assert.StartsWith("INSERT INTO", origin.GetProperty("sql").GetString(), StringComparison.Ordinal);
            // The operation is the one that began the transaction (Npgsql sends BEGIN with it): the server's xact_start.
            var time = DateTimeOffset.Parse(origin.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
            Assert.True((time - began[pid]).Duration() < TimeSpan.FromSeconds(1), $"origin {time:O}, xact_start {began[pid]:O}");
            // Driver and framework frames are kept in the whole stack, not among the application frames.
            Assert.Contains(DumpReport.Strings(origin, "stack"), f => f.StartsWith("Npgsql.", StringComparison.Ordinal));
            Assert.DoesNotContain(DumpReport.Strings(origin, "frames"), f => f.StartsWith("Npgsql.", StringComparison.Ordinal) || f.StartsWith("System.", StringComparison.Ordinal));
        }

        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_healthy_service_under_load_gets_no_problem_and_no_origin_noise()
    {
        var name = $"e2e-trace-ok-{Guid.NewGuid():N}"[..30];
        using var app = await TestApp.StartAsync("npgsql-healthy", ["--pg", server.ConnectionString, "--app-name", name, "--workers", "2"]);

        var run = await AttachRun.RunAsync(app.Pid, ["--trace", "--duration", "6s"]);

        Assert.True(run.Cli.ExitCode == 0, run.Summary());
        Assert.Empty(run.Problems);
        Assert.True(run.Telemetry.GetProperty("trace").GetProperty("operations").GetInt32() > 50, "the workers' queries were traced");
        // The LISTEN connection was opened before tracing began: held, and without an invented origin.
        var held = Assert.Single(run.FindingsOf("held-connection"));
        Assert.All(held.GetProperty("objects").EnumerateArray(), o => Assert.False(HasOrigin(o)));
        Assert.Empty(held.GetProperty("origins").EnumerateArray());
        Assert.Equal(0, app.Stop(TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// The 1-based line, in a test app scenario file, of the first line after <paramref name="method"/>'s declaration that
    /// holds <paramref name="call"/>: the statement a traced frame of that method was in when it called the driver.
    /// </summary>
    private static int SourceLine(string file, string method, string call)
    {
        var lines = File.ReadAllLines(Path.Combine(ChildProcess.RepositoryRoot, "testapps", "DbDoctor.TestApp", "Scenarios", file));
        var declaration = Array.FindIndex(lines, l => l.Contains(method, StringComparison.Ordinal));
        Assert.True(declaration >= 0, $"{method} not found in {file}");
        var line = Array.FindIndex(lines, declaration + 1, l => l.Contains(call, StringComparison.Ordinal));
        Assert.True(line > declaration, $"{call} not found after {method} in {file}");
        return line + 1;
    }

    private static bool HasOrigin(JsonElement o) => o.GetProperty("origin").ValueKind == JsonValueKind.Object;

    private async Task<List<(int Pid, DateTimeOffset Began)>> LeakedSessionsAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid, xact_start FROM pg_stat_activity WHERE application_name = @name AND state = 'idle in transaction'", connection);
        command.Parameters.AddWithValue("name", applicationName);
        var sessions = new List<(int, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sessions.Add((reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return sessions;
    }
}
