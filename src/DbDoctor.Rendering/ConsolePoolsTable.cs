using System.Globalization;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>
/// The console's Pools section, laid out for the width it has: the full table when it fits (its last column, what
/// retains each pool, wrapped within the column); else a narrower table without "Disposed" and "Retained by", which
/// move to each pool's line below; else one line of counts per pool. Headers are never wrapped, words never split.
/// Pool names are long connection strings: they go below the table, keyed by number.
/// </summary>
internal static class ConsolePoolsTable
{
    private const string Lead = "  ";
    private const string Gap = "   ";
    private const int MinimumRetainedWidth = 24;

    private static readonly string[] Headers = ["#", "Driver", "Max", "Total", "Idle", "Busy", "Orphaned", "Held", "Disposed", "Retained by"];

    /// <summary>Lines without styling: (text, is header) pairs.</summary>
    public static List<(string Text, bool Bold)> Lines(IReadOnlyList<PoolReport> pools, int width)
    {
        var lines = new List<(string, bool)> { ($"Pools ({pools.Count})", true) };
        var rows = pools.Select((p, i) => Row(p, i + 1)).ToList();
        var widths = Enumerable.Range(0, Headers.Length - 1).Select(c => rows.Select(r => r[c].Length).Append(Headers[c].Length).Max()).ToList();
        var fixedWidth = Lead.Length + widths.Sum() + Gap.Length * widths.Count;
        var retainedNatural = rows.Select(r => r[^1].Length).Append(Headers[^1].Length).Max();
        var retainedRoom = width - fixedWidth;
        var full = retainedRoom >= Math.Min(retainedNatural, MinimumRetainedWidth) && retainedRoom >= Headers[^1].Length;

        // The narrow table: the first eight columns.
        var narrow = widths.Take(8).ToList();
        var narrowWidth = Lead.Length + narrow.Sum() + Gap.Length * (narrow.Count - 1);
        if (full || narrowWidth <= width)
        {
            var columns = full ? widths.Append(Math.Min(retainedNatural, retainedRoom)).ToList() : narrow;
            lines.Add(("", false));
            lines.Add((Lead + string.Join(Gap, columns.Select((w, c) => Headers[c].PadRight(w))).TrimEnd(), false));
            lines.Add((new string('─', Math.Min(width, Lead.Length + columns.Sum() + Gap.Length * (columns.Count - 1))), false));
            foreach (var row in rows)
            {
                var cells = row.Take(columns.Count).ToList();
                if (!full)
                {
                    lines.Add((Lead + string.Join(Gap, cells.Select((v, c) => v.PadRight(columns[c]))).TrimEnd(), false));
                    continue;
                }

                // The last column wraps within itself; the other cells stay on the row's first line.
                var wrapped = TextWrap.Lines(cells[^1], columns[^1]);
                var left = Lead + string.Join("", cells.Take(cells.Count - 1).Select((v, c) => v.PadRight(columns[c]) + Gap));
                lines.Add((left + wrapped[0], false));
                lines.AddRange(wrapped.Skip(1).Select(w => (new string(' ', left.Length) + w, false)));
            }

            lines.Add(("", false));
        }
        else
        {
            lines.Add(("", false));
        }

        var number = 0;
        foreach (var p in pools)
        {
            var holder = p.Holder is null ? "" : $"  (held by {p.Holder})";
            var key = $"#{++number} ";
            AddHanging(lines, Lead + key, $"{p.Name}{holder}", width);
            var indent = Lead + new string(' ', key.Length);
            if (!full && narrowWidth > width)
            {
                AddHanging(lines, indent, Counts(rows[number - 1]), width);
            }

            if (!full)
            {
                AddHanging(lines, indent, "retained by " + rows[number - 1][^1] + (p.Disposed ? "; disposed" : ""), width);
            }
        }

        return lines;
    }

    private static void AddHanging(List<(string, bool)> lines, string prefix, string text, int width)
    {
        var wrapped = TextWrap.Lines(text, width - prefix.Length);
        lines.Add((prefix + wrapped[0], false));
        lines.AddRange(wrapped.Skip(1).Select(w => (new string(' ', prefix.Length) + w, false)));
    }

    private static string Counts(string[] row) =>
        $"{row[1]}: max {row[2]}, total {row[3]}, idle {row[4]}, busy {row[5]}, orphaned {row[6]}, held {row[7]}";

    private static string[] Row(PoolReport p, int number) =>
    [
        number.ToString(CultureInfo.InvariantCulture),
        ShortDriver(p.Driver),
        p.Pooling ? Number(p.Max) : "no pooling",
        Number(p.Total),
        Number(p.Idle),
        Number(p.Busy),
        Number(p.Orphaned),
        Number(p.Held),
        p.Disposed ? "yes" : "no",
        p.RetainedBy.Count == 0 ? "-" : string.Join(", ", p.RetainedBy.Select(ShortRetainer)),
    ];

    /// <summary>"Vendor.Data.Driver" -> "Driver": the table is for people; JSON keeps full names.</summary>
    private static string ShortDriver(string driver) => driver[(driver.LastIndexOf('.') + 1)..];

    /// <summary>"static:Vendor.Registry.Pools" -> "static Registry.Pools" (type and field, no namespace).</summary>
    private static string ShortRetainer(string retainer)
    {
        const string prefix = "static:";
        if (!retainer.StartsWith(prefix, StringComparison.Ordinal))
        {
            return retainer;
        }

        var name = retainer[prefix.Length..];
        var field = name.LastIndexOf('.');
        var type = field > 0 ? name.LastIndexOf('.', field - 1) : -1;
        return "static " + (type >= 0 ? name[(type + 1)..] : name);
    }

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
