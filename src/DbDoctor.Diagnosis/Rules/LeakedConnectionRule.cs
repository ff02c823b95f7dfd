using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>Checked-out connections no application root reaches, with neither an open transaction nor an open reader.</summary>
public sealed class LeakedConnectionRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context) =>
        OrphanedConnectionFindings.Build(
            context,
            FindingKinds.LeakedConnection,
            (n, pool) => $"{Wording.Count(n, "leaked connection")}: {Wording.Count(n, "connection")} of pool '{pool}' opened and never closed",
            (n, _) => $"{Wording.Count(n, "connection")} checked out, with no open transaction and no open reader",
            words => words.LeakedConnectionAdvice());
}
