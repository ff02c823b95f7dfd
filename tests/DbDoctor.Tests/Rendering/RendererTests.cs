using System.Text.Json;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Tests.Rendering;

public class RendererTests
{
    [Fact]
    public void Json_has_the_contract_field_names_with_schema_first_and_nulls_written()
    {
        var json = new JsonRenderer().Render(SampleReports.LeakyShop());

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var first = root.EnumerateObject().First();
        Assert.Equal("schema", first.Name);
        Assert.Equal("dbdoctor/report@1", first.Value.GetString());
        Assert.Equal(
            ["schema", "target", "drivers", "pools", "findings", "telemetry", "snapshot", "trigger", "warnings", "inconclusive"],
            root.EnumerateObject().Select(p => p.Name));

        var findings = root.GetProperty("findings").EnumerateArray().ToList();
        Assert.Equal(["leaked-transaction", "pool-exhaustion", "held-connection"], findings.Select(f => f.GetProperty("kind").GetString()));
        var finding = findings[0];
        Assert.Equal(
            ["kind", "severity", "driver", "count", "title", "evidence", "advice", "objects", "pool", "origins"],
            finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.Equal(5, finding.GetProperty("count").GetInt32());
        var obj = finding.GetProperty("objects")[0];
        Assert.Equal(["type", "address", "holder", "rootPath", "holderStack", "sql", "serverPid", "state", "origin"], obj.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Null, obj.GetProperty("holder").ValueKind);
        Assert.Equal(4100, obj.GetProperty("serverPid").GetInt32());

        var pool = root.GetProperty("pools")[0];
        Assert.Equal("0x7f3a2c0105e8", pool.GetProperty("address").GetString());
        Assert.Equal(5, pool.GetProperty("orphaned").GetInt32());
        Assert.True(root.GetProperty("telemetry").GetProperty("pools")[0].TryGetProperty("samples", out _));
    }

    [Fact]
    public void No_renderer_prints_a_password_that_slipped_into_the_facts()
    {
        var report = SampleReports.LeakyShop();

        foreach (ReportRenderer renderer in new ReportRenderer[] { new JsonRenderer(), new MarkdownRenderer(), new ConsoleRenderer() })
        {
            var text = renderer.Render(report);
            Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
            Assert.Contains("Password=***", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Free_text_redaction_masks_secret_pairs_but_keeps_the_rest()
    {
        Assert.Equal("pool 'Host=db;Password=***' is busy", Redaction.Text("pool 'Host=db;Password=hunter2' is busy"));
        Assert.Equal("Pwd=***;Host=db", Redaction.Text("Pwd=\"a;b\";Host=db"));
        Assert.Equal("SELECT 1", Redaction.Text("SELECT 1"));
    }

    [Fact]
    public void Markdown_escapes_pipes_in_table_cells_and_has_the_sections()
    {
        var md = new MarkdownRenderer().Render(SampleReports.LeakyShop());

        Assert.StartsWith("# DbDoctor report", md, StringComparison.Ordinal);
        Assert.Contains("## Findings", md, StringComparison.Ordinal);
        Assert.Contains("## Pools", md, StringComparison.Ordinal);
        Assert.Contains("| # | Severity | Kind | Driver | Count | Title |", md, StringComparison.Ordinal);
        Assert.Contains("Worker\\|Listen", md, StringComparison.Ordinal);

        // Every row of a table has as many unescaped '|' as its header row: no cell text split a row.
        var tables = md.Split("\n\n").Where(block => block.StartsWith('|')).ToList();
        Assert.True(tables.Count >= 3);
        foreach (var table in tables)
        {
            var pipes = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(UnescapedPipes).ToList();
            Assert.All(pipes, n => Assert.Equal(pipes[0], n));
        }

        Assert.Equal("a \\| b c", MarkdownRenderer.Cell("a | b\nc"));
    }

    [Fact]
    public void Console_starts_with_the_verdict_and_uses_no_ansi_codes_when_color_is_off()
    {
        var text = new ConsoleRenderer(new ConsoleRenderOptions { Color = false, Width = 120 }).Render(SampleReports.LeakyShop());
        var lines = text.Split('\n');

        Assert.StartsWith("DbDoctor: dump /tmp/app.dmp", lines[0], StringComparison.Ordinal);
        Assert.Equal("2 problems found: 5 leaked transactions, 1 exhausted pool (+1 note)", lines[1].TrimEnd());
        Assert.DoesNotContain("\u001b[", text, StringComparison.Ordinal);
        Assert.Contains("Pools (2)", text, StringComparison.Ordinal);
        Assert.Contains("Telemetry (10 s window)", text, StringComparison.Ordinal);
        Assert.Contains("Could not read one timer", text, StringComparison.Ordinal);
        Assert.All(lines, l => Assert.True(l.TrimEnd().Length <= 120, $"line longer than 120: {l}"));
    }

    [Fact]
    public void Console_uses_ansi_codes_when_color_is_on()
    {
        var text = new ConsoleRenderer(new ConsoleRenderOptions { Color = true }).Render(SampleReports.LeakyShop());

        Assert.Contains("\u001b[", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Console_says_no_problems_for_a_healthy_report()
    {
        var text = new ConsoleRenderer().Render(SampleReports.Healthy());

        Assert.Equal("No problems found", text.Split('\n')[1].TrimEnd());
    }

    [Fact]
    public void Verdict_counts_only_warnings_and_errors_as_problems()
    {
        var report = new Report
        {
            Target = new() { Kind = "process", Pid = 1 },
            Findings =
            [
                new Finding { Kind = FindingKinds.LeakedPool, Severity = Severities.Warning, Driver = "Npgsql", Count = 30, Title = "t", Advice = "a" },
                new Finding { Kind = FindingKinds.HeldConnection, Severity = Severities.Info, Driver = "Npgsql", Count = 1, Title = "t", Advice = "a" },
            ],
        };

        Assert.Equal("1 problem found: 30 leaked pools (+1 note)", Verdict.Of(report));
    }

    [Fact]
    public void Verdict_does_not_state_a_telemetry_only_leak_as_proven()
    {
        var report = new Report
        {
            Target = new() { Kind = "process", Pid = 1 },
            Findings =
            [
                new Finding { Kind = FindingKinds.PoolExhaustion, Severity = Severities.Error, Driver = "Npgsql", Count = 10, Title = "t", Advice = "a" },
                new Finding { Kind = FindingKinds.LeakedConnection, Severity = Severities.Warning, Driver = "Npgsql", Count = 10, Title = "t", Advice = "a" },
            ],
        };

        Assert.Equal("2 problems found: 1 exhausted pool, 10 possibly leaked connections", Verdict.Of(report));
    }

    [Fact]
    public void Verdict_of_a_report_that_could_not_look_is_no_verdict_unless_a_problem_was_seen()
    {
        const string Why = "the target (process 1) exited during the observation window, before its heap could be read";
        var inconclusive = SampleReports.Healthy() with { Inconclusive = Why };
        var withLeak = inconclusive with
        {
            Findings = [new Finding { Kind = FindingKinds.LeakedConnection, Severity = Severities.Warning, Driver = "Npgsql", Count = 3, Title = "t", Advice = "a" }],
        };

        Assert.Equal("No verdict: " + Why, Verdict.Of(inconclusive));
        Assert.Equal("No verdict: " + Why, new ConsoleRenderer().Render(inconclusive).Split('\n')[1].TrimEnd());
        Assert.Contains("**No verdict: " + Why + "**", new MarkdownRenderer().Render(inconclusive), StringComparison.Ordinal);
        Assert.Equal("1 problem found: 3 possibly leaked connections", Verdict.Of(withLeak));
    }

    private static int UnescapedPipes(string row) =>
        row.Select((c, i) => c == '|' && (i == 0 || row[i - 1] != '\\')).Count(x => x);

    [Fact]
    public void Snapshot_line_says_how_long_the_target_was_paused_and_marks_an_unobserved_pause_as_an_upper_bound()
    {
        var measured = SampleReports.LeakyShop() with { Snapshot = new SnapshotReport { TargetPauseSeconds = 0.456 } };
        var estimated = measured with { Snapshot = measured.Snapshot! with { TargetPauseIsUpperBound = true, DumpPath = "/tmp/x.dmp" } };

        Assert.Equal("Heap snapshot: the target was paused 0.46 s while it was written", Verdict.SnapshotLine(measured));
        Assert.Equal("Heap snapshot: the target was paused at most 0.46 s while it was written; kept at /tmp/x.dmp", Verdict.SnapshotLine(estimated));
        Assert.Null(Verdict.SnapshotLine(measured with { Snapshot = null }));
    }

    [Fact]
    public void Verdict_counts_one_problem_per_finding_so_a_leak_in_two_pools_is_two_problems_summed_up_in_one_phrase()
    {
        static Finding Leak(string pool, int count) => new()
        {
            Kind = FindingKinds.LeakedTransaction, Severity = Severities.Error, Driver = "Microsoft.Data.Sqlite",
            Count = count, Title = "t", Advice = "a", Pool = pool,
        };
        var report = SampleReports.LeakyShop() with { Findings = [Leak("orders-0.db", 1), Leak("orders-1.db", 1)] };

        Assert.Equal("2 problems found: 2 leaked transactions", Verdict.Of(report));
    }
}
