using DbDoctor.Diagnosis.Rules;

namespace DbDoctor.Diagnosis;

/// <summary>Every rule the diagnoser runs. A new rule is one new file in Rules/ and one line here.</summary>
public static class RuleRegistry
{
    public static IReadOnlyList<IRule> All { get; } =
    [
        new LeakedTransactionRule(),
        new LeakedReaderRule(),
        new LeakedConnectionRule(),
        new HeldConnectionRule(),
        new LeakedPoolRule(),
        new PoolSprawlRule(),
        new PoolExhaustionRule(),
        new TelemetryLeakRule(),
        new UnknownDriverObjectsRule(),
        new ConnectionChurnRule(),
        new StaleConnectionRule(),
    ];
}
