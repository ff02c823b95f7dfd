using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Dump;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>One run of <c>dbdoctor attach &lt;pid&gt; --format json</c> and the report it printed.</summary>
public sealed partial class AttachRun
{
    private AttachRun(CliResult cli, JsonElement root)
    {
        Cli = cli;
        Root = root;
    }

    public CliResult Cli { get; }
    public JsonElement Root { get; }

    public IEnumerable<JsonElement> Findings => Root.GetProperty("findings").EnumerateArray();

    /// <summary>The heap's pools (empty without a snapshot).</summary>
    public IEnumerable<JsonElement> HeapPools => Root.GetProperty("pools").EnumerateArray();

    public JsonElement Telemetry => Root.GetProperty("telemetry");
    public IReadOnlyList<string> Warnings => DumpReport.Strings(Root, "warnings");

    /// <summary>The "snapshot" section, or null when the report has none.</summary>
    public JsonElement? Snapshot =>
        Root.TryGetProperty("snapshot", out var snapshot) && snapshot.ValueKind == JsonValueKind.Object ? snapshot : null;

    public static async Task<AttachRun> RunAsync(int pid, IEnumerable<string> options, IReadOnlyDictionary<string, string>? environment = null)
    {
        var cli = await DbDoctorCli.RunAsync(
            ["attach", pid.ToString(CultureInfo.InvariantCulture), "--format", "json", .. options], timeout: null, environment);
        return From(cli);
    }

    /// <summary>The report of a run started some other way (for example a <see cref="WatchedCli"/>).</summary>
    public static AttachRun From(CliResult cli)
    {
        ArgumentNullException.ThrowIfNull(cli);
        using var document = cli.ParseStdoutJson();
        return new AttachRun(cli, document.RootElement.Clone());
    }

    public IEnumerable<JsonElement> FindingsOf(string kind) => Findings.Where(f => DumpReport.Kind(f) == kind);

    public IEnumerable<JsonElement> Problems => Findings.Where(DumpReport.IsProblem);

    /// <summary>The telemetry series of the pool whose connection string names <paramref name="applicationName"/> exactly.</summary>
    public JsonElement SeriesOf(string applicationName) =>
        Assert.Single(Telemetry.GetProperty("pools").EnumerateArray(), p => NamesApplication(p, applicationName));

    /// <summary>The heap's pool entry of <paramref name="applicationName"/> (not its unpooled "-setup" data source).</summary>
    public JsonElement HeapPoolOf(string applicationName) =>
        Assert.Single(HeapPools, p => NamesApplication(p, applicationName));

    /// <summary>Connections per minute parsed from a "Leak rate: used connections rose N/min" evidence line.</summary>
    public static double? LeakRatePerMinute(JsonElement finding) =>
        DumpReport.Strings(finding, "evidence").Select(e => LeakRatePattern().Match(e)).Where(m => m.Success)
            .Select(m => (double?)double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).FirstOrDefault();

    /// <summary>Kind, severity and count of every finding, plus stderr: the message of a failed assertion.</summary>
    public string Summary() =>
        $"exit {Cli.ExitCode}; findings: "
        + string.Join("; ", Findings.Select(f => $"{DumpReport.Kind(f)}/{DumpReport.Severity(f)} x{f.GetProperty("count").GetInt32()} [{string.Join(" | ", DumpReport.Strings(f, "evidence"))}]"))
        + $"\nwarnings: {string.Join(" | ", Warnings)}\nstderr: {Cli.Stderr}";

    private static bool NamesApplication(JsonElement pool, string applicationName) =>
        (pool.GetProperty("name").GetString() + ";").Contains($"Application Name={applicationName};", StringComparison.Ordinal);

    [GeneratedRegex(@"rose (-?[0-9]+(?:\.[0-9]+)?)/min")]
    private static partial Regex LeakRatePattern();
}
