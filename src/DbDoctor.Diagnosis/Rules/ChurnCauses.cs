using DbDoctor.Drivers;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>The settings of a pool that make it churn, with the change that stops it, in the driver's own keywords.</summary>
public sealed record ChurnCause(string TitleSuffix, IReadOnlyList<string> Evidence, string Advice);

public static class ChurnCauses
{
    /// <summary>What in the pool's settings causes the churn. <paramref name="peakOpen"/> is the working set the telemetry saw.</summary>
    public static ChurnCause Of(PoolFact? pool, double? peakOpen, DriverCatalog drivers)
    {
        ArgumentNullException.ThrowIfNull(drivers);
        if (pool is null)
        {
            return new ChurnCause("", ["No heap pool matched this series: the pool's settings could not be read"], GenericAdvice(DriverCatalog.Generic.Words));
        }

        var profile = drivers.Resolve(pool.Driver);
        var k = profile.ConnectionStrings;
        var at = $"Heap: pool at {Hex.Format(pool.Address)}";
        if (!pool.Pooling)
        {
            return new ChurnCause(
                " (Pooling=false)",
                [$"{at} has Pooling=false: every Open() creates a physical connection and every Close() destroys it"],
                PoolingOffAdvice(profile.Words));
        }

        var suffixes = new List<string>();
        var evidence = new List<string>();
        var advice = new List<string>();
        var min = pool.Min ?? 0;
        var workingSet = (int)Math.Ceiling(Math.Max(peakOpen ?? 0, pool.Total ?? 0));
        var settings = $"{k.MinPoolSizeKeyword}={min}, {k.MaxPoolSizeKeyword}={Show(pool.Max)}, {k.IdleLifetimeKeyword}={Show(pool.IdleLifetimeSeconds)} s, {k.LifetimeKeyword}={Show(pool.LifetimeSeconds)} s";

        if (pool.IdleLifetimeSeconds is { } idle && idle < ConnectionChurnRule.ShortIdleLifetimeSeconds && (workingSet == 0 || min < workingSet))
        {
            suffixes.Add($"{k.IdleLifetimeKeyword}={Text.Number(idle)}, {k.MinPoolSizeKeyword}={min}");
            evidence.Add($"{at}: {settings}: connections idle for {Text.Number(idle)} s are closed down to {min}, so each burst of load opens them again");
            var target = Math.Max(min, workingSet);
            advice.Add($"Raise {k.IdleLifetimeKeyword} from {Text.Number(idle)} to {k.DefaultIdleLifetimeText} or more" +
                       (target > min ? $" and set {k.MinPoolSizeKeyword} to about {target} (the working set seen)" : "") +
                       ", so connections opened for one burst are still open for the next");
        }

        if (pool.LifetimeSeconds is { } lifetime && lifetime > 0 && lifetime < ConnectionChurnRule.ShortLifetimeSeconds)
        {
            suffixes.Add($"{k.LifetimeKeyword}={Text.Number(lifetime)}");
            evidence.Add($"{at}: {k.LifetimeKeyword}={Text.Number(lifetime)} s: every connection is closed and replaced after {Text.Number(lifetime)} s even when busy");
            advice.Add($"Raise {k.LifetimeKeyword} from {Text.Number(lifetime)} to 0 (no limit) or to tens of minutes; keep it only as long as a failover or load balancer needs");
        }

        if (suffixes.Count == 0 && pool.Max is { } max && max >= 4 * Math.Max(min, 1) && workingSet > min)
        {
            suffixes.Add($"{k.MinPoolSizeKeyword}={min}, {k.MaxPoolSizeKeyword}={max}");
            evidence.Add($"{at}: {settings}: under bursts the pool grows towards {max} and prunes back to {min} when idle, so the connections between {min} and {workingSet} are opened again for every burst");
            advice.Add($"Set {k.MinPoolSizeKeyword} to about {workingSet} (the working set seen) so the pool keeps what each burst needs, and lower {k.MaxPoolSizeKeyword} towards what the database can serve");
        }

        if (suffixes.Count == 0)
        {
            return new ChurnCause("", [$"{at}: {settings}: these settings do not explain the churn"], GenericAdvice(profile.Words));
        }

        return new ChurnCause(" (" + string.Join("; ", suffixes) + ")", evidence, string.Join(". ", advice) + ".");
    }

    public static string PoolingOffAdvice(DriverWords words)
    {
        ArgumentNullException.ThrowIfNull(words);
        return words.TurnPoolingOn + ": a pooled Open() reuses an idle physical connection instead of a TCP handshake, authentication and a new server process per query. " +
               $"If an external pooler{words.ExternalPoolerExamples} is the reason pooling is off, keep it, but connect to it over a local socket or keep a small client-side pool as well.";
    }

    private static string GenericAdvice(DriverWords words) =>
        $"Check the pool's idle lifetime and minimum size against the load pattern, and look for calls that empty the pool ({words.PoolClearingCalls}), " +
        "a new data source or connection string per request (see leaked-pool and pool-sprawl), and connections broken by errors or closed by the server (see stale-connection).";

    private static string Show(double? value) => value is { } v ? Text.Number(v) : "?";

    private static string Show(int? value) => value is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
}
