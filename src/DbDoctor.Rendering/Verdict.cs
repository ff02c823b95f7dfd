using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>The one line a person reads first: how many problems, and what they are.</summary>
public static class Verdict
{
    public static string Of(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var problems = report.Findings.Where(f => Severities.Rank(f.Severity) <= Severities.Rank(Severities.Warning)).ToList();
        var notes = report.Findings.Count - problems.Count;
        if (problems.Count == 0 && report.Snapshot is { Incomplete: true })
        {
            return "No verdict: the heap could only partly be read (see the warnings)";
        }

        if (problems.Count == 0 && report.Inconclusive is { } reason)
        {
            return "No verdict: " + reason;
        }

        if (problems.Count == 0)
        {
            return notes == 0 ? "No problems found" : $"No problems found ({Wording.Count(notes, "note")})";
        }

        // One problem per finding, as the report lists them (a leak in two pools is two findings); the phrases sum up per kind.
        var parts = problems
            .GroupBy(f => f.Kind)
            .OrderBy(g => g.Min(f => Severities.Rank(f.Severity)))
            .ThenByDescending(g => g.Sum(f => f.Count))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Phrase(g.Key, g.ToList()))
            .ToList();
        var head = Wording.Count(problems.Count, "problem") + " found: ";
        return head + string.Join(", ", parts) + (notes > 0 ? $" (+{Wording.Count(notes, "note")})" : "");
    }

    /// <summary>For a report <c>watch</c> took: what fired, on which pool, when.</summary>
    public static string? TriggerLine(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Trigger is not { } t)
        {
            return null;
        }

        var more = t.AlsoFired.Count > 0 ? $"; also fired: {string.Join(", ", t.AlsoFired)}" : "";
        return $"Taken by dbdoctor watch at {t.FiredAt}: trigger {t.Reason} on {t.Driver} pool '{t.Pool}'{more}";
    }

    /// <summary>For attach: how long the heap snapshot paused the target, and where the snapshot was kept; null without one.</summary>
    public static string? SnapshotLine(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Snapshot?.TargetPauseSeconds is not { } pause)
        {
            return null;
        }

        var kept = report.Snapshot.DumpPath is { } path ? $"; kept at {path}" : "";
        var measure = report.Snapshot.TargetPauseIsUpperBound ? "at most " : "";
        return $"Heap snapshot: the target was paused {measure}{pause.ToString("0.00", CultureInfo.InvariantCulture)} s while it was written{kept}";
    }

    private static string Phrase(string kind, List<Finding> findings)
    {
        var total = findings.Sum(f => f.Count);

        // A leak seen only as a rising counter (no heap) is a warning: the verdict must not state it as proven.
        var leaked = findings.All(f => f.Severity == Severities.Error) ? "leaked" : "possibly leaked";
        return kind switch
        {
            FindingKinds.LeakedTransaction => Wording.Count(total, $"{leaked} transaction"),
            FindingKinds.LeakedReader => Wording.Count(total, $"{leaked} reader"),
            FindingKinds.LeakedConnection => Wording.Count(total, $"{leaked} connection"),
            FindingKinds.LeakedPool => Wording.Count(total, "leaked pool"),
            FindingKinds.PoolSprawl => Wording.Count(total, "pool") + " in a sprawl",
            FindingKinds.PoolExhaustion => Wording.Count(findings.Count, "exhausted pool"),
            FindingKinds.HeldConnection => Wording.Count(total, "held connection"),
            FindingKinds.ConnectionChurn => Wording.Count(findings.Count, "pool") + " churning connections",
            FindingKinds.StaleConnection => Wording.Count(total, "stale connection"),
            _ => $"{Wording.Count(findings.Count, "finding")} of kind {kind}",
        };
    }
}
