using System.Text.Json;
using System.Text.RegularExpressions;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Tests.Rendering;

/// <summary>
/// The JSON report against the README's field table (section "JSON report"), both ways: every field the renderer writes is
/// documented under its object, and every documented field is written. Fields that do not apply are null, never left out.
/// </summary>
public partial class ReportContractTests
{
    [GeneratedRegex(@"^\| (?:`(?<object>[^`]+)`|\((?<root>report)\)) \| (?<fields>.+) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"\*\*`(?<name>[A-Za-z]+)`\*\*")]
    private static partial Regex FieldName();

    /// <summary>Every section and list filled, so that each object of the contract appears at least once.</summary>
    private static Report Complete()
    {
        var report = SampleReports.LeakyShop();
        var origin = new OriginReport
        {
            Operation = "execute", Time = "2026-12-07T16:00:01.000Z", Sql = "INSERT INTO orders VALUES (1)",
            Frames = ["Shop.Billing.Charge"], Stack = ["Npgsql.NpgsqlCommand.ExecuteNonQuery", "Shop.Billing.Charge"],
        };
        var traced = report.Findings[0] with
        {
            Objects = [report.Findings[0].Objects[0] with { Origin = origin }, .. report.Findings[0].Objects.Skip(1)],
            Origins = [new OriginGroup { Frames = ["Shop.Billing.Charge"], Count = 1 }],
        };
        return report with
        {
            Findings = [traced, .. report.Findings.Skip(1)],
            Telemetry = report.Telemetry! with
            {
                Trace = new TraceReport { StartedAt = "2026-12-07T16:00:00.000Z", SnapshotAt = "2026-12-07T16:00:20.000Z", Operations = 10, Attributed = 1, Unattributed = 4 },
                Exceptions = [new ExceptionGroup { Type = "Npgsql.NpgsqlException", Message = "The connection pool has been exhausted", Count = 2, Events = 9, FirstSeen = 1, LastSeen = 4 }],
                RuntimeCounters = new Dictionary<string, double> { ["cpu-usage"] = 3.1 },
            },
            Trigger = new TriggerReport { Condition = "used>=90%:10s", Reason = "used 100% of max for 10 s", Driver = "Npgsql", Pool = "Host=db", FiredAt = "2026-12-07T16:00:00Z", AlsoFired = ["timeouts>0 (Host=db)"] },
        };
    }

    [Fact]
    public void Every_field_of_the_json_report_is_in_the_readme_table_and_every_documented_field_is_written()
    {
        using var json = JsonDocument.Parse(new JsonRenderer().Render(Complete()));
        var written = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        Collect(json.RootElement, "(report)", written);

        var documented = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(ReadmeJsonSection()))
        {
            var objectPath = row.Groups["root"].Success ? "(report)" : row.Groups["object"].Value;
            documented[objectPath] = [.. FieldName().Matches(row.Groups["fields"].Value).Select(m => m.Groups["name"].Value)];
        }

        Assert.Equal(Describe(written), Describe(documented));
    }

    [Fact]
    public void A_dumps_report_writes_the_sections_that_do_not_apply_as_null()
    {
        using var json = JsonDocument.Parse(new JsonRenderer().Render(SampleReports.Healthy()));
        var root = json.RootElement;

        foreach (var section in new[] { "telemetry", "trigger", "inconclusive" })
        {
            Assert.True(root.TryGetProperty(section, out var value), section + " is left out");
            Assert.Equal(JsonValueKind.Null, value.ValueKind);
        }

        Assert.Equal(JsonValueKind.Array, root.GetProperty("warnings").ValueKind);
    }

    /// <summary>Objects by path (<c>pools[]</c>, <c>telemetry.pools[].samples[]</c>) with their fields in order; a map of counters is one field.</summary>
    private static void Collect(JsonElement element, string path, SortedDictionary<string, List<string>> objects)
    {
        var fields = objects[path] = [];
        foreach (var property in element.EnumerateObject())
        {
            fields.Add(property.Name);
            var childPath = path == "(report)" ? property.Name : $"{path}.{property.Name}";
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.Object)
            {
                Collect(value[0], childPath + "[]", objects);
            }
            else if (value.ValueKind == JsonValueKind.Object && childPath != "telemetry.runtimeCounters")
            {
                Collect(value, childPath, objects);
            }
        }
    }

    private static string Describe(SortedDictionary<string, List<string>> objects) =>
        string.Join("\n", objects.Select(o => $"{o.Key}: {string.Join(", ", o.Value)}"));

    private static string ReadmeJsonSection()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var readme = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(Path.Combine(dir.FullName, "DbDoctor.sln")) && File.Exists(readme))
            {
                var text = File.ReadAllText(readme);
                var start = text.IndexOf("## JSON report", StringComparison.Ordinal);
                var end = text.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
                return text[start..end];
            }
        }

        throw new InvalidOperationException("README.md not found above " + AppContext.BaseDirectory);
    }
}
