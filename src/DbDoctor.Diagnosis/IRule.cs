using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis;

/// <summary>One diagnosis rule: a pure function from the facts (and their derived views) to findings.</summary>
public interface IRule
{
    IEnumerable<Finding> Evaluate(DiagnosisContext context);
}
