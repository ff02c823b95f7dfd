using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>Checked-out connections no application root reaches, left inside an open transaction.</summary>
public sealed class LeakedTransactionRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context) =>
        OrphanedConnectionFindings.Build(
            context,
            FindingKinds.LeakedTransaction,
            (n, pool) => $"{Wording.Count(n, "leaked transaction")}: {Wording.Count(n, "connection")} of pool '{pool}' abandoned inside an open transaction",
            (n, _) => $"{Wording.Count(n, "connection")} checked out with a transaction begun and neither committed nor rolled back",
            words => words.LeakedTransactionAdvice());
}
