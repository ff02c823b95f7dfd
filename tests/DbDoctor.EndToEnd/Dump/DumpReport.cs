using System.Collections.Concurrent;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// The JSON report of <c>dbdoctor dump &lt;dump&gt; --format json</c> for one scenario dump, run once per dump per test run
/// (the analysis takes seconds; several tests read the same report).
/// </summary>
public sealed class DumpReport
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<DumpReport>>> Reports = new(StringComparer.Ordinal);

    private DumpReport(ScenarioDump dump, CliResult cli, JsonElement root, CliResult narrowConsole)
    {
        Dump = dump;
        Cli = cli;
        Root = root;
        NarrowConsole = narrowConsole;
    }

    /// <summary>Console width of <see cref="NarrowConsole"/>.</summary>
    public const int NarrowColumns = 80;

    public ScenarioDump Dump { get; }
    public CliResult Cli { get; }
    public JsonElement Root { get; }

    /// <summary>The same dump's console report at COLUMNS=80 (stdout is a pipe, as in CI and in <c>| less</c>).</summary>
    public CliResult NarrowConsole { get; }

    public IEnumerable<JsonElement> Findings => Root.GetProperty("findings").EnumerateArray();
    public IEnumerable<JsonElement> Pools => Root.GetProperty("pools").EnumerateArray();

    public static Task<DumpReport> OfAsync(ScenarioDump dump) =>
        Reports.GetOrAdd(dump.Path, _ => new Lazy<Task<DumpReport>>(() => RunAsync(dump))).Value;

    private static async Task<DumpReport> RunAsync(ScenarioDump dump)
    {
        var cli = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", "json");
        using var document = cli.ParseStdoutJson();
        var narrow = await DbDoctorCli.RunAsync(["dump", dump.Path], environment: new Dictionary<string, string> { ["COLUMNS"] = $"{NarrowColumns}" });
        return new DumpReport(dump, cli, document.RootElement.Clone(), narrow);
    }

    public IEnumerable<JsonElement> FindingsOf(string kind, string? driver = null) =>
        Findings.Where(f => Kind(f) == kind
            && (driver is null || f.GetProperty("driver").GetString()!.Contains(driver, StringComparison.OrdinalIgnoreCase)));

    /// <summary>Sum of the counts of a kind's findings, whatever their severity.</summary>
    public int CountOf(string kind, string? driver = null) => FindingsOf(kind, driver).Sum(f => f.GetProperty("count").GetInt32());

    /// <summary>
    /// What a handshake's expected count counts: the leaked or held objects (the sum of the findings' counts), except for
    /// pool sprawl, which is one finding per driver whose count is the number of pools.
    /// </summary>
    public int OccurrencesOf(string kind, string? driver = null) =>
        kind == "pool-sprawl" ? FindingsOf(kind, driver).Count() : CountOf(kind, driver);

    /// <summary>The pools of the report that really pool (Npgsql also lists unpooled data sources, e.g. the test app's setup connection).</summary>
    public IEnumerable<JsonElement> PoolingPools => Pools.Where(p => p.GetProperty("pooling").GetBoolean());

    public IEnumerable<JsonElement> ObjectsOf(string kind, string? driver = null) =>
        FindingsOf(kind, driver).SelectMany(f => f.GetProperty("objects").EnumerateArray());

    public static string Kind(JsonElement finding) => finding.GetProperty("kind").GetString()!;
    public static string Severity(JsonElement finding) => finding.GetProperty("severity").GetString()!;

    public static bool IsProblem(JsonElement finding) => Severity(finding) is "warning" or "error";

    public static string? StringOrNull(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static int? IntOrNull(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    public static IReadOnlyList<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => v.GetString()!).ToList()
            : [];

    /// <summary>Kind, severity and count of every finding: the message of a failed count assertion.</summary>
    public string Summary() =>
        $"dbdoctor {Cli.ExitCode}; expected {string.Join(", ", Dump.Expected.Select(e => $"{e.Key}={e.Value}"))}; findings: "
        + string.Join("; ", Findings.Select(f => $"{Kind(f)}/{Severity(f)}/{f.GetProperty("driver").GetString()} x{f.GetProperty("count").GetInt32()}"))
        + $"\nstderr: {Cli.Stderr}";

    /// <summary>
    /// The core promise for a scenario: each expected kind is reported exactly as often as the handshake says, no other kind
    /// shows at warning or error severity, and the exit code says whether anything is wrong (3) or not (0).
    /// </summary>
    public void AssertMatchesHandshake()
    {
        foreach (var (kind, expected) in Dump.Expected)
        {
            Assert.True(expected == OccurrencesOf(kind), $"{kind}: expected {expected}, got {OccurrencesOf(kind)}. {Summary()}");
        }

        var unexpected = Findings.Where(f => IsProblem(f) && !Dump.Expected.ContainsKey(Kind(f))).Select(Kind).ToList();
        Assert.True(unexpected.Count == 0, $"unexpected problem findings {string.Join(", ", unexpected)}. {Summary()}");

        var anyProblem = Findings.Any(IsProblem);
        Assert.True(Cli.ExitCode == (anyProblem ? 3 : 0), $"exit code {Cli.ExitCode} with{(anyProblem ? "" : "out")} problem findings. {Summary()}");
        AssertConsoleReadsWell();
    }

    /// <summary>
    /// The console report at 80 columns: no line longer, no compiler-generated name, one finding block per finding, and the
    /// verdict's problem count is the number of problem blocks.
    /// </summary>
    public void AssertConsoleReadsWell()
    {
        var text = NarrowConsole.Stdout;
        Assert.True(NarrowConsole.ExitCode == Cli.ExitCode, $"console exit code {NarrowConsole.ExitCode}, JSON {Cli.ExitCode}. {NarrowConsole}");
        var lines = text.Split('\n');
        var tooLong = lines.Where(l => l.Length > NarrowColumns).ToList();
        Assert.True(tooLong.Count == 0, $"{Dump.Scenario}: {tooLong.Count} console lines longer than {NarrowColumns} at COLUMNS={NarrowColumns}:\n{string.Join('\n', tooLong)}");
        ReadableNamesDumpTests.AssertNoCompilerGeneratedName(text, $"{Dump.Scenario} (console)");

        var blocks = lines.Where(l => l.Length > 8 && l[..8] is "ERROR   " or "WARNING " or "INFO    ").ToList();
        Assert.True(blocks.Count == Findings.Count(), $"{blocks.Count} finding blocks for {Findings.Count()} findings:\n{text}");
        var problems = Findings.Count(IsProblem);
        if (problems > 0)
        {
            Assert.Contains(lines, l => l.StartsWith(problems == 1 ? "1 problem found: " : $"{problems} problems found: ", StringComparison.Ordinal));
        }
    }

    /// <summary>Pool entries add up: busy = total - idle for every pool that reports its counts, none negative.</summary>
    public void AssertPoolsAreConsistent()
    {
        Assert.NotEmpty(Pools);
        foreach (var pool in Pools)
        {
            Assert.False(string.IsNullOrEmpty(StringOrNull(pool, "driver")), pool.ToString());
            Assert.False(string.IsNullOrEmpty(StringOrNull(pool, "name")), pool.ToString());
            Assert.True(pool.TryGetProperty("disposed", out var disposed) && disposed.ValueKind is JsonValueKind.True or JsonValueKind.False, pool.ToString());
            Assert.True(pool.TryGetProperty("retainedBy", out var retainedBy) && retainedBy.ValueKind == JsonValueKind.Array, pool.ToString());
            var total = IntOrNull(pool, "total");
            var idle = IntOrNull(pool, "idle");
            var busy = IntOrNull(pool, "busy");
            if (total is not null || idle is not null || busy is not null)
            {
                Assert.True(total is >= 0 && idle is >= 0 && busy is >= 0 && busy == total - idle, $"busy != total - idle: {pool}");
                var max = IntOrNull(pool, "max");
                Assert.True(max is null || total <= max, $"total above max: {pool}");
            }
        }
    }
}
