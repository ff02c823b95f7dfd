using System.Text.RegularExpressions;
using DbDoctor.Model;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>
/// Applied once by <see cref="ReportRenderer"/> before any format writes: the last line of defence: whatever a fact slipped in, no password reaches the output. Names that look
/// like connection strings go through <see cref="ConnectionStrings.Redact"/>; free text (titles, evidence, messages)
/// has any "password=..." style pair masked.
/// </summary>
public static partial class Redaction
{
    [GeneratedRegex("""(?<key>\b(?:password|pwd|passwd|passfile|ssl ?password|ssl ?key|access ?token|client ?secret|token|secret|key)\s*=\s*)(?<value>"[^"]*"|'[^']*'|[^;'"\r\n]*)""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretPair();

    /// <summary>Masks the value of every secret-looking key=value pair inside free text.</summary>
    public static string Text(string? text) =>
        string.IsNullOrEmpty(text) ? text ?? "" : SecretPair().Replace(text, m => m.Groups["key"].Value + ConnectionStrings.Mask);

    /// <summary>A pool name or connection string: parsed as one and redacted, then checked as free text too.</summary>
    public static string Name(string? name) => Text(ConnectionStrings.Redact(name));

    /// <summary>A copy of the report with every name and free-text field redacted.</summary>
    public static Report Apply(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report with
        {
            Pools = report.Pools.Select(p => p with { Name = Name(p.Name), Holder = OptionalText(p.Holder) }).ToList(),
            Findings = report.Findings.Select(f => f with
            {
                Title = Text(f.Title),
                Evidence = f.Evidence.Select(Text).ToList(),
                Advice = Text(f.Advice),
                Pool = f.Pool is null ? null : Name(f.Pool),
                Objects = f.Objects.Select(o => o with
                {
                    Sql = OptionalText(o.Sql),
                    Holder = OptionalText(o.Holder),
                    State = OptionalText(o.State),
                    RootPath = o.RootPath.Select(Text).ToList(),
                    HolderStack = o.HolderStack.Select(Text).ToList(),
                    Origin = o.Origin is { } origin
                        ? origin with
                        {
                            Sql = OptionalText(origin.Sql),
                            Frames = origin.Frames.Select(Text).ToList(),
                            Stack = origin.Stack.Select(Text).ToList(),
                        }
                        : null,
                }).ToList(),
                Origins = f.Origins?.Select(g => g with { Frames = g.Frames.Select(Text).ToList() }).ToList(),
            }).ToList(),
            Telemetry = report.Telemetry is { } t
                ? t with
                {
                    Pools = t.Pools.Select(s => s with { Name = Name(s.Name) }).ToList(),
                    Exceptions = t.Exceptions.Select(e => e with { Message = Text(e.Message) }).ToList(),
                }
                : null,
            Trigger = report.Trigger is { } trigger
                ? trigger with { Reason = Text(trigger.Reason), Pool = Name(trigger.Pool), AlsoFired = trigger.AlsoFired.Select(Text).ToList() }
                : null,
            Warnings = report.Warnings.Select(Text).ToList(),
        };
    }

    private static string? OptionalText(string? text) => text is null ? null : Text(text);
}
