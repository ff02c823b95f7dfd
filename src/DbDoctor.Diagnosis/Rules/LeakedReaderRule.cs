using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>Checked-out connections no application root reaches, with a data reader still open on them (no open transaction).</summary>
public sealed class LeakedReaderRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context) =>
        OrphanedConnectionFindings.Build(
            context,
            FindingKinds.LeakedReader,
            (n, pool) => $"{Wording.Count(n, "leaked reader")}: {Wording.Count(n, "connection")} of pool '{pool}' stuck behind an undisposed data reader",
            (n, _) => $"{Wording.Count(n, "connection")} checked out with a data reader still open and no open transaction",
            words => words.LeakedReaderAdvice());
}
