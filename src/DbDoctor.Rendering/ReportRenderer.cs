using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>
/// Turns a report into text; the CLI decides where it goes. Redaction happens here, once, before any format sees the
/// report: a format implements <see cref="Write"/> and only ever receives the redacted copy, so a new format cannot
/// forget to mask a password.
/// </summary>
public abstract class ReportRenderer
{
    public string Render(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Write(Redaction.Apply(report));
    }

    /// <summary>Writes the report in this format; <paramref name="redacted"/> has been through <see cref="Redaction.Apply"/>.</summary>
    protected abstract string Write(Report redacted);
}
