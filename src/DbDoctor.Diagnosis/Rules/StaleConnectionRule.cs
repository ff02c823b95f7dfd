using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// The server (or a proxy or firewall) closes sessions that sit idle, while the pool keeps them and hands them out:
/// the first command after a pause fails. Seen as the driver's "server closed the session" exceptions in the live
/// telemetry, as broken connections in the heap, and as a pool that keeps connections idle longer than the server's
/// idle timeout (given by the user or asked from the server). A pool that checks each connection it hands out and
/// replaces one the server closed (<see cref="ConnectionStringSemantics.ReplacesClosedSessionsOnLease"/>) swallows those
/// errors: then the finding says the sessions were replaced, never that commands failed.
/// </summary>
public sealed class StaleConnectionRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var timeout = context.Input.ServerIdleTimeoutSeconds is > 0 ? context.Input.ServerIdleTimeoutSeconds : null;
        var drivers = context.Drivers;
        var failures = (context.Telemetry?.Exceptions ?? []).Where(e => drivers.Classify(e.Type, e.Message) == ErrorKind.ServerClosedSession).ToList();
        var broken = context.Connections.Where(c => c.Broken).ToList();
        var closedUnderUs = context.Input.Sockets?.Endpoints.Where(e => e.CloseWaitByTarget > 0).ToList() ?? [];
        var networkPools = context.Pools.Where(p => p.Pooling && !p.Disposed && !context.ProfileOf(p.Driver).Embedded).ToList();
        var atRisk = timeout is { } t ? networkPools.Where(p => KeepsIdleLongerThan(p, t, context.ProfileOf(p.Driver))).ToList() : [];

        if (failures.Count == 0 && broken.Count == 0 && closedUnderUs.Count == 0)
        {
            // Nothing failed yet, but the settings guarantee it will after the next pause.
            return atRisk.Select(p => Build(context, p.Driver, [], [], [], [p], timeout, Severities.Warning, p, swallowedUnder: null));
        }

        // The driver: the first one that owns a failure or a broken connection, then whatever the heap shows.
        var owner = failures.Select(f => drivers.OwnerOfError(f.Type, null))
            .Concat(broken.Select(b => (DriverProfile?)context.ProfileOf(b.Driver)))
            .FirstOrDefault(p => p is { IsGeneric: false });
        var driver = owner is not null
            ? (context.Pools.FirstOrDefault(p => context.ProfileOf(p.Driver) == owner)?.Driver ?? broken.FirstOrDefault()?.Driver ?? owner.Name)
            : broken.FirstOrDefault()?.Driver ?? (atRisk.Count > 0 ? atRisk : networkPools).FirstOrDefault()?.Driver ?? "unknown";
        var profile = context.ProfileOf(driver);
        var pools = atRisk.Count > 0 ? atRisk : networkPools.Where(p => context.ProfileOf(p.Driver) == profile).ToList();
        var single = pools.Count == 1 ? pools[0] : null;

        // Where every pool of the driver replaces a closed session when it hands it out, the errors were the driver's own
        // and no command failed: what happened is said instead, and it is a warning (a reconnect, not an error).
        var replacing = pools.Select(p => profile.ConnectionStrings.ReplacesClosedSessionsOnLease(p)).ToList();
        var swallowedUnder = failures.Count > 0 && replacing.Count > 0 && replacing.All(r => r is not null) ? replacing.Distinct().First() : null;
        var severity = swallowedUnder is null && StaleSignals.DistinctFailures(failures) >= context.Options.StaleMinFailuresForError ? Severities.Error : Severities.Warning;
        return [Build(context, driver, failures, broken, closedUnderUs, pools, timeout, severity, single, swallowedUnder)];
    }

    /// <summary>
    /// True when the pool can hold a connection idle past the server's timeout: its idle lifetime (plus one pruning
    /// interval) reaches the timeout, or it keeps a minimum of connections that idle pruning never closes.
    /// </summary>
    public static bool KeepsIdleLongerThan(PoolFact pool, double serverTimeoutSeconds, DriverProfile driver)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(driver);
        return pool.Min is > 0 || driver.ConnectionStrings.MaxIdleSeconds(pool) >= serverTimeoutSeconds;
    }

    private static Finding Build(
        DiagnosisContext context, string driver, IReadOnlyList<ExceptionGroup> failures, IReadOnlyList<ConnectionFact> broken,
        IReadOnlyList<EndpointSockets> closedUnderUs, IReadOnlyList<PoolFact> pools, double? timeout, string severity, PoolFact? pool,
        string? swallowedUnder)
    {
        var window = context.Telemetry?.WindowSeconds ?? 0;
        var evidence = new List<string>();
        var failureCount = StaleSignals.DistinctFailures(failures);
        foreach (var f in failures.OrderByDescending(f => f.Count).Take(context.Options.MaxValuesPerEvidenceLine))
        {
            var what = swallowedUnder is null
                ? Wording.Count(f.Count, "failure")
                : $"{Wording.Count(f.Count, "first-chance exception")} caught inside the driver ({swallowedUnder}: it found the session dead when it handed it out and replaced it)";
            evidence.Add($"Telemetry: {f.Type}: {Text.Truncate(Text.OneLine(f.Message), 160)} — {what}" +
                         (window > 0 ? $" in the {Text.Duration(window)} window, first at {Text.Number(Math.Round(f.FirstSeen, 1))} s, last at {Text.Number(Math.Round(f.LastSeen, 1))} s" : ""));
        }

        if (swallowedUnder is not null && SessionsOpened(context, driver) is { } opened)
        {
            evidence.Add($"Telemetry: {Wording.Count((int)opened, "new session")} opened in the window, the replacements of the closed ones: each costs a reconnect, no command failed");
        }

        if (broken.Count > 0)
        {
            evidence.Add($"Heap: {Wording.Count(broken.Count, "broken connection")} still held ({Text.Tally(broken.Select(b => b.State ?? "Broken"), context.Options.MaxValuesPerEvidenceLine)})");
        }

        var closeWait = closedUnderUs.Sum(e => e.CloseWaitByTarget);
        foreach (var e in closedUnderUs)
        {
            evidence.Add($"OS: {Wording.Count(e.CloseWaitByTarget, "socket")} of process {context.Input.Sockets!.Pid} to {e.Host}:{e.Port} in CLOSE-WAIT: the server closed these connections and the pool still holds them");
        }

        evidence.Add(timeout is { } t
            ? $"Server idle timeout: {Text.Duration(t)} ({context.Input.ServerIdleTimeoutSource ?? "given"})"
            : "Server idle timeout unknown: pass --server-idle-timeout <duration> or --server \"<connection string>\" to compare it with the pool's settings");
        foreach (var p in pools.Take(context.Options.MaxValuesPerEvidenceLine))
        {
            evidence.Add(PoolLine(p, timeout, context.ProfileOf(p.Driver).ConnectionStrings));
        }

        var who = pool is not null ? $"pool '{DiagnosisContext.DisplayName(pool)}'" : "the pool";
        var title = failureCount > 0 && swallowedUnder is not null
            ? $"Stale connections: the server had closed {Wording.Count(failureCount, "pooled session")}; the driver found them dead when it handed them out and replaced them, no command failed ({who})"
            : failureCount > 0
            ? $"Stale connections: {Wording.Count(failureCount, "command")} failed because the server had closed the session ({who})"
            : broken.Count > 0
                ? $"Stale connections: {Wording.Count(broken.Count, "broken connection")} in {who}"
            : closeWait > 0
                ? $"Stale connections: {Wording.Count(closeWait, "pooled connection")} already closed by the server (CLOSE-WAIT) in {who}"
                : $"Stale connections ahead: {who} keeps idle connections up to {Text.Duration(context.ProfileOf(pool!.Driver).ConnectionStrings.MaxIdleSeconds(pool) ?? 0)}{(pool!.Min is > 0 ? $" (and {pool.Min} forever)" : "")}, the server closes them after {Text.Duration(timeout!.Value)}";
        return new Finding
        {
            Kind = FindingKinds.StaleConnection,
            Severity = severity,
            Driver = driver,
            Count = failureCount > 0 ? failureCount : broken.Count > 0 ? broken.Count : closeWait > 0 ? closeWait : pool?.Idle ?? 0,
            Title = title,
            Evidence = evidence,
            Advice = StaleSignals.Advice(context.ProfileOf(driver).Words, timeout, pools),
            Objects = broken.Take(context.Options.MaxObjectsPerFinding).Select(FindingObjects.Of).ToList(),
            Pool = pool is not null ? DiagnosisContext.DisplayName(pool) : null,
        };
    }

    /// <summary>Physical connections the driver's pools opened during the telemetry window (cumulative counters: the largest), or null.</summary>
    private static double? SessionsOpened(DiagnosisContext context, string driver)
    {
        var profile = context.ProfileOf(driver);
        var counts = (context.Telemetry?.Pools ?? [])
            .Where(series => context.ProfileOf(series.Driver) == profile)
            .Select(series => series.Samples.Select(s => s.ConnectionsCreated).Max())
            .Where(c => c is > 0)
            .ToList();
        return counts.Count > 0 ? counts.Sum() : null;
    }

    private static string PoolLine(PoolFact p, double? timeout, ConnectionStringSemantics keywords)
    {
        var min = p.Min ?? 0;
        var lifetime = p.LifetimeSeconds is > 0 ? $", {keywords.LifetimeKeyword}={Text.Number(p.LifetimeSeconds.Value)} s" : "";
        var maxIdle = keywords.MaxIdleSeconds(p);
        var verdict = timeout is not { } t ? ""
            : min > 0 ? $": the {min} connections of the minimum are never pruned, so they outlive the server's {Text.Duration(t)}"
            : maxIdle is not { } most ? $": how long idle connections stay pooled is unknown, so they may outlive the server's {Text.Duration(t)}"
            : most >= t ? $": idle connections live up to ~{Text.Duration(most)}, longer than the server's {Text.Duration(t)}"
            : $": idle connections are closed within ~{Text.Duration(most)}, before the server's {Text.Duration(t)}";
        return $"Heap: pool '{DiagnosisContext.DisplayName(p)}' {keywords.DescribeIdleLifetime(p)}, {keywords.MinPoolSizeKeyword}={min}{lifetime}, {p.Idle?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} idle now{verdict}";
    }
}
