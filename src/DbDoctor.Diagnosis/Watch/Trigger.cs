namespace DbDoctor.Diagnosis.Watch;

/// <summary>What a trigger looks at in a pool's series.</summary>
public enum TriggerMeasure
{
    /// <summary>Connections checked out (a count, or a percentage of the pool's max).</summary>
    Used,

    /// <summary>Idle connections in the pool.</summary>
    Idle,

    /// <summary>Requests waiting for a connection.</summary>
    Pending,

    /// <summary>Requests that timed out waiting for a connection in the last <see cref="TriggerEvaluator.TimeoutWindowSeconds"/>.</summary>
    Timeouts,

    /// <summary>How fast used connections climb, per minute.</summary>
    LeakRate,

    /// <summary>Seconds until used reaches max at the current leak rate.</summary>
    Exhaustion,
}

public enum TriggerComparison
{
    GreaterOrEqual,
    Greater,
    LessOrEqual,
    Less,
    Equal,
}

/// <summary>
/// One condition of <c>dbdoctor watch</c>: a measure of a pool compared with a threshold, true on every sample for
/// <see cref="HoldSeconds"/> (0: the latest sample alone). <see cref="Text"/> is how it is written (see <see cref="TriggerParser"/>).
/// </summary>
public sealed record Trigger
{
    public required TriggerMeasure Measure { get; init; }
    public required TriggerComparison Comparison { get; init; }

    /// <summary>A count, a percentage of max (<see cref="PercentOfMax"/>), connections per minute, or seconds (exhaustion).</summary>
    public required double Threshold { get; init; }
    public bool PercentOfMax { get; init; }
    public double HoldSeconds { get; init; }
    public required string Text { get; init; }

    public bool Compare(double value) => Comparison switch
    {
        TriggerComparison.GreaterOrEqual => value >= Threshold,
        TriggerComparison.Greater => value > Threshold,
        TriggerComparison.LessOrEqual => value <= Threshold,
        TriggerComparison.Less => value < Threshold,
        _ => Math.Abs(value - Threshold) < 1e-9,
    };

    /// <summary>
    /// The defaults: a pool at 90 % of its max for 10 s, any timeout waiting for a connection, requests waiting for 5 s,
    /// and a leak rate that empties the pool within 10 minutes.
    /// </summary>
    public static IReadOnlyList<Trigger> Defaults { get; } =
    [
        TriggerParser.Parse("used>=90%:10s"),
        TriggerParser.Parse("timeouts>0"),
        TriggerParser.Parse("pending>0:5s"),
        TriggerParser.Parse("exhaustion<=10m"),
    ];
}

/// <summary>A trigger that is true for one pool, and why, in words.</summary>
public sealed record TriggerFiring(Trigger Trigger, string Driver, string Pool, string Reason);
