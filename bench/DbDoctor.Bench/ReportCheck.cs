using System.Text.Json;

namespace DbDoctor.Bench;

/// <summary>Reads the finding counts out of dbdoctor's JSON report ("dbdoctor/report@1").</summary>
public static class ReportCheck
{
    /// <summary>Total count per finding kind (findings of one kind for several drivers are summed).</summary>
    public static SortedDictionary<string, int> CountsByKind(string reportJson)
    {
        using var document = JsonDocument.Parse(reportJson);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var finding in document.RootElement.GetProperty("findings").EnumerateArray())
        {
            var kind = finding.GetProperty("kind").GetString()!;
            counts[kind] = counts.GetValueOrDefault(kind) + finding.GetProperty("count").GetInt32();
        }

        return counts;
    }

    /// <summary>Every kind the scenario promised, with a different count in the report; empty when all match.</summary>
    public static List<string> Mismatches(IReadOnlyDictionary<string, int> expected, IReadOnlyDictionary<string, int> actual) =>
        expected
            .Where(e => actual.GetValueOrDefault(e.Key) != e.Value)
            .Select(e => $"{e.Key}: expected {e.Value}, dbdoctor reported {actual.GetValueOrDefault(e.Key)}")
            .ToList();

    public static string Format(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
}
