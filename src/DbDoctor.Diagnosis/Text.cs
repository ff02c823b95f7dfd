using System.Globalization;

namespace DbDoctor.Diagnosis;

/// <summary>Wording helpers shared by the rules, so numbers and lists read the same in every finding.</summary>
internal static class Text
{
    public static string Number(double value) =>
        value.ToString(Math.Abs(value - Math.Round(value)) < 1e-9 ? "0" : "0.0", CultureInfo.InvariantCulture);

    /// <summary>"a, b, c (+4 more)": at most <paramref name="max"/> values.</summary>
    public static string List(IEnumerable<string> values, int max)
    {
        var all = values.ToList();
        var shown = string.Join(", ", all.Take(max));
        return all.Count > max ? $"{shown} (+{all.Count - max} more)" : shown;
    }

    /// <summary>"3 Ready, 1 Executing": distinct values counted, most frequent first.</summary>
    public static string Tally(IEnumerable<string> values, int max) =>
        List(values.GroupBy(v => v, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count().ToString(CultureInfo.InvariantCulture)} {g.Key}"), max);

    public static string Duration(double seconds) =>
        seconds < 90 ? $"{Number(Math.Round(seconds))} s"
        : seconds < 5400 ? $"{Number(Math.Round(seconds / 60, 1))} min"
        : $"{Number(Math.Round(seconds / 3600, 1))} h";

    public static string Truncate(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
}
