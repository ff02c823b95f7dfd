using System.Text.RegularExpressions;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Tests.Rendering;

/// <summary>The console report fits the width it is given (COLUMNS, the terminal, else 120): no line longer, no word split.</summary>
public partial class ConsoleWidthTests
{
    [GeneratedRegex(@"[A-Za-z0-9]+")]
    private static partial Regex Word();

    private const string NoHeapWarning = "No heap snapshot was taken (--no-heap): the findings come from the live telemetry alone, and the target was never paused.";

    public static TheoryData<string, int> Reports()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in Samples.Keys)
        {
            foreach (var width in new[] { 80, 120, 60 })
            {
                data.Add(name, width);
            }
        }

        return data;
    }

    private static readonly Dictionary<string, Func<Report>> Samples = new()
    {
        ["leaky-shop"] = SampleReports.LeakyShop,
        ["healthy"] = SampleReports.Healthy,
        ["sqlite-demo"] = SqliteDemo,
        ["telemetry-only"] = TelemetryOnly,
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void No_line_is_longer_than_the_width_and_no_word_is_split(string sample, int width)
    {
        var report = Samples[sample]();
        var text = Render(report, width);
        var unwrapped = Render(report, 100_000);

        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
        // The narrow layouts' own words: the pool lines that replace the table's columns.
        var words = Word().Matches(unwrapped + " retained by disposed max total idle busy orphaned held").Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.All(Word().Matches(text).Select(m => m.Value), word => Assert.True(words.Contains(word), $"'{word}' is part of a split word:\n{text}"));
    }

    [Fact]
    public void At_80_columns_the_pools_table_keeps_whole_headers_and_each_pool_says_what_retains_it_below()
    {
        var text = Render(SqliteDemo(), 80);
        var lines = text.Split('\n');

        var header = Assert.Single(lines, IsPoolsHeader);
        Assert.Equal(["#", "Driver", "Max", "Total", "Idle", "Busy", "Orphaned", "Held"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(10, lines.Count(l => l.Trim() == "retained by static SqliteConnectionFactory._poolGroups, timer"));
        var pools = lines.SkipWhile(l => l != "Pools (10)").TakeWhile(l => l != "Warnings").ToList();
        Assert.True(pools.Count <= 40, $"{pools.Count} lines:\n{string.Join('\n', pools)}");
    }

    [Fact]
    public void At_120_columns_the_pools_table_has_every_column_and_retainers_in_it()
    {
        var lines = Render(SqliteDemo(), 120).Split('\n');

        var header = Assert.Single(lines, IsPoolsHeader);
        Assert.EndsWith("Disposed   Retained by", header, StringComparison.Ordinal);
        // The column has 47 of the 50 characters it would need: its cells wrap within it, between the retainers.
        Assert.Equal(10, lines.Count(l => l.EndsWith("   no         static SqliteConnectionFactory._poolGroups,", StringComparison.Ordinal)));
        Assert.Equal(10, lines.Count(l => l == new string(' ', header.IndexOf("Retained by", StringComparison.Ordinal)) + "timer"));
        Assert.DoesNotContain(lines, l => l.Trim().StartsWith("retained by", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void The_verdicts_problem_count_is_the_number_of_problem_blocks(int width)
    {
        var lines = Render(SqliteDemo(), width).Split('\n');

        var blocks = lines.Count(l => l.StartsWith("ERROR ", StringComparison.Ordinal) || l.StartsWith("WARNING ", StringComparison.Ordinal));
        Assert.Equal(4, blocks);
        var verdict = Array.FindIndex(lines, l => l.StartsWith("4 problems found: ", StringComparison.Ordinal));
        Assert.StartsWith("4 problems found: 3 leaked connections, 2 leaked transactions, 10 pools in a sprawl (+1 note)",
            string.Join(" ", lines[verdict..(verdict + 2)].Select(l => l.Trim())), StringComparison.Ordinal);
    }

    [Fact]
    public void The_no_heap_warning_wraps_with_a_hanging_indent()
    {
        var lines = Render(TelemetryOnly(), 80).Split('\n');

        var first = Array.FindIndex(lines, l => l.StartsWith("  - No heap snapshot was taken", StringComparison.Ordinal));
        Assert.True(first > 0);
        Assert.StartsWith("    ", lines[first + 1], StringComparison.Ordinal);
        Assert.False(char.IsWhiteSpace(lines[first + 1][4]));
    }

    [Theory]
    [InlineData("80", null, 80)]
    [InlineData("80", 200, 80)]
    [InlineData(" 100 ", null, 100)]
    [InlineData(null, 100, 100)]
    [InlineData(null, null, 120)]
    [InlineData("", 90, 90)]
    [InlineData("wide", null, 120)]
    [InlineData("20", null, 40)]
    [InlineData(null, 0, 120)]
    public void The_width_is_COLUMNS_else_the_terminal_else_120(string? columns, int? terminal, int expected)
    {
        Assert.Equal(expected, ConsoleRenderOptions.WidthFrom(columns, terminal));
    }

    [Theory]
    [InlineData("alpha beta gamma", 11, new[] { "alpha beta", "gamma" })]
    [InlineData("pool 'Host=db;Port=5432;Username=app'", 20, new[] { "pool 'Host=db;", "Port=5432;", "Username=app'" })]
    [InlineData("System.Threading.TimerQueue._longTimers", 20, new[] { "System.Threading.", "TimerQueue.", "_longTimers" })]
    [InlineData("see /tmp/dbdoctor-demo-9IPuWN/orders-0.db now", 24, new[] { "see /tmp/", "dbdoctor-demo-9IPuWN/", "orders-0.db now" })]
    [InlineData("abcdefghijklmnopqrstuvwxyz", 12, new[] { "abcdefghijkl", "mnopqrstuvwx", "yz" })]
    [InlineData("", 20, new[] { "" })]
    [InlineData("kind  x3  Npgsql  pool 'a'", 18, new[] { "kind  x3  Npgsql", "pool 'a'" })]
    public void Text_wraps_at_spaces_and_breaks_a_long_token_after_a_separator(string text, int width, string[] expected)
    {
        Assert.Equal(expected, TextWrap.Lines(text, width));
    }

    private static bool IsPoolsHeader(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["#", "Driver", ..];

    private static string Render(Report report, int width) =>
        new ConsoleRenderer(new ConsoleRenderOptions { Color = false, Width = width }).Render(report);

    /// <summary>Like the demo: two leaked transactions (one pool each), three leaked connections, ten tenant pools, one held connection.</summary>
    private static Report SqliteDemo()
    {
        const string Driver = "Microsoft.Data.Sqlite";
        const string Directory = "/tmp/dbdoctor-demo-9IPuWN";
        static PoolReport Pool(string file, int busy = 0) => new()
        {
            Driver = Driver, Name = $"Data Source={Directory}/{file}", Type = "Microsoft.Data.Sqlite.SqliteConnectionPool",
            Address = "0x7f79f100ed30", DriverManaged = true, Total = busy + 1, Idle = 1, Busy = busy, Orphaned = busy,
            RetainedBy = ["static:Microsoft.Data.Sqlite.SqliteConnectionFactory._poolGroups", "timer"],
        };
        var leakedObject = new FindingObject
        {
            Type = "Microsoft.Data.Sqlite.SqliteConnectionInternal", Address = "0x7f79f100ef30", State = "Active, in transaction",
            RootPath = ["static Microsoft.Data.Sqlite.SqliteConnectionFactory._poolGroups", "System.Collections.Concurrent.ConcurrentDictionary<string, SqliteConnectionPoolGroup>._tables", "Microsoft.Data.Sqlite.SqliteConnectionPool._connections", "Microsoft.Data.Sqlite.SqliteConnectionInternal"],
        };
        Finding Transaction(string file) => new()
        {
            Kind = FindingKinds.LeakedTransaction, Severity = Severities.Error, Driver = Driver, Count = 1, Pool = $"Data Source={Directory}/{file}",
            Title = $"1 leaked transaction: 1 connection of pool 'Data Source={Directory}/{file}' abandoned inside an open transaction",
            Evidence = ["1 connection checked out with a transaction begun and neither committed nor rolled back", $"Pool 'Data Source={Directory}/{file}' (Microsoft.Data.Sqlite.SqliteConnectionPool at 0x7f79f100ed30); pool busy 1"],
            Advice = "Open the SqliteConnection and begin the SqliteTransaction with `await using` (or `using`), and commit on the success path.",
            Objects = [leakedObject],
        };
        return new Report
        {
            Target = new TargetInfo { Kind = "process", Pid = 24534, RuntimeVersion = "10.0.12" },
            Drivers = [new DriverInfo(Driver, "6.0.0")],
            Pools = [.. Enumerable.Range(0, 6).Select(i => Pool($"tenant-{i}.db")), Pool("orders-0.db", 1), Pool("orders-1.db", 1), Pool("catalog.db", 3), Pool("jobs.db", 1) with { Orphaned = 0, Held = 1, Holder = "async lambda in DbDoctor.TestApp.Scenarios.SqliteScenarios.StartHealthyWorker" }],
            Findings =
            [
                Transaction("orders-0.db"),
                Transaction("orders-1.db"),
                new Finding { Kind = FindingKinds.LeakedConnection, Severity = Severities.Error, Driver = Driver, Count = 3, Title = "3 leaked connections", Advice = "Wrap every SqliteConnection in `await using`.", Objects = [leakedObject, leakedObject, leakedObject] },
                new Finding { Kind = FindingKinds.PoolSprawl, Severity = Severities.Warning, Driver = Driver, Count = 10, Title = "10 pools in a sprawl", Advice = "Keep the set of databases bounded." },
                new Finding
                {
                    Kind = FindingKinds.HeldConnection, Severity = Severities.Info, Driver = Driver, Count = 1, Title = "1 held connection", Advice = "Not a leak.",
                    Objects = [leakedObject with
                    {
                        Holder = "async lambda in DbDoctor.TestApp.Scenarios.SqliteScenarios.StartHealthyWorker",
                        RootPath = ["static System.Threading.TimerQueue.Instances", "System.Threading.TimerQueue[]", "async lambda in DbDoctor.TestApp.Scenarios.SqliteScenarios.StartHealthyWorker", "Microsoft.Data.Sqlite.SqliteConnection._innerConnection", "Microsoft.Data.Sqlite.SqliteConnectionInternal"],
                        HolderStack = ["async DbDoctor.TestApp.BackgroundWork.PauseAsync", "async lambda in DbDoctor.TestApp.Scenarios.SqliteScenarios.StartHealthyWorker", "Task.Run (async lambda)"],
                    }],
                },
            ],
            Snapshot = new SnapshotReport { LiveObjects = 10243, TargetPauseSeconds = 0.38, DumpPath = $"{Directory}/snapshots/dbdoctor-24534-20261207T160000Z-with-a-long-name.dmp" },
            Warnings = ["Knowledge verified for Microsoft.Data.Sqlite 6.0; target has 11.0.1: results may be incomplete (type Microsoft.Data.Sqlite.SqliteConnectionPool field _warmPool)"],
        };
    }

    /// <summary>attach --no-heap: telemetry only, with a long pool name and the --no-heap warning.</summary>
    private static Report TelemetryOnly() => new()
    {
        Target = new TargetInfo { Kind = "process", Pid = 4242, RuntimeVersion = "10.0.12" },
        Telemetry = new TelemetryReport
        {
            WindowSeconds = 10,
            Pools = [new PoolSeries { Driver = "Npgsql", Name = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres;Maximum Pool Size=50;Application Name=e2e-attach-0123456789abcdef", Samples = [new PoolSample { Time = 1, Used = 5, Max = 50, Idle = 1 }] }],
            Exceptions = [new ExceptionGroup { Type = "Npgsql.NpgsqlException", Message = "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 50) or 'Timeout' (currently 2 seconds) in your connection string.", Count = 4, Events = 20 }],
        },
        Trigger = new TriggerReport { Condition = "used>=90%:10s", Reason = "used 100% of max for 10 s", Driver = "Npgsql", Pool = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres", FiredAt = "2026-12-07T16:00:00Z" },
        Warnings = [NoHeapWarning],
    };
}
