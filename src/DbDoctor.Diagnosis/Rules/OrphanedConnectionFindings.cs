using DbDoctor.Drivers;
using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// Builds the findings of the three leak rules: one finding per driver and pool, with the evidence they share
/// (states, backend pids, SQL, and what the live counters said about the same pool).
/// </summary>
internal static class OrphanedConnectionFindings
{
    public static IEnumerable<Finding> Build(
        DiagnosisContext context,
        string kind,
        Func<int, string, string> title,
        Func<int, string, string> firstEvidence,
        Func<DriverWords, string> advice)
    {
        var groups = context.Connections
            .Where(c => ConnectionClassification.KindOf(c) == kind)
            .GroupBy(c => (c.Driver, Pool: c.PoolAddress ?? 0UL))
            .OrderBy(g => g.Key.Driver, StringComparer.Ordinal).ThenBy(g => g.Key.Pool);

        foreach (var group in groups)
        {
            var connections = group.OrderBy(c => c.Address).ToList();
            var pool = context.PoolOf(connections[0]);
            var poolName = DiagnosisContext.DisplayName(pool);
            var evidence = new List<string> { firstEvidence(connections.Count, poolName) };
            evidence.AddRange(CommonEvidence(context, connections, pool, kind));
            var origins = context.Origins?.Attribute(connections, kind.Replace('-', ' '), context.Options.MaxValuesPerEvidenceLine);
            evidence.AddRange(origins?.Evidence ?? []);

            yield return new Finding
            {
                Kind = kind,
                Severity = Severities.Error,
                Driver = group.Key.Driver,
                Count = connections.Count,
                Title = title(connections.Count, poolName),
                Evidence = evidence,
                Advice = advice(context.ProfileOf(group.Key.Driver).Words),
                Objects = FindingObjects.Listed(connections, origins, context.Options.MaxObjectsPerFinding),
                Pool = pool is null ? null : poolName,
                Origins = origins?.Groups,
            };
        }
    }

    private static IEnumerable<string> CommonEvidence(DiagnosisContext context, List<ConnectionFact> connections, PoolFact? pool, string kind)
    {
        var max = context.Options.MaxValuesPerEvidenceLine;
        var words = context.ProfileOf(connections[0].Driver).Words;

        yield return connections.Count == 1
            ? "No application root reaches it; only the driver's pool still references it, so nothing will ever return it."
            : "No application root reaches them; only the driver's pool still references them, so nothing will ever return them.";

        var recovered = connections.Count(c => c.Recovered);
        if (recovered > 0)
        {
            yield return $"{Wording.Count(recovered, "session")} already taken back by the driver into the pool's idle list after the connection was " +
                         "garbage-collected: the pool counts it idle, but the server still holds the transaction and its locks until the session " +
                         "is reset on its next use or closed after the idle timeout";
        }

        var states = connections.Select(c => c.State).OfType<string>().ToList();
        if (states.Count > 0)
        {
            yield return "Connection states: " + Text.Tally(states, max);
        }

        if (kind == FindingKinds.LeakedTransaction)
        {
            var transactionStates = connections.Select(c => c.Transaction?.State ?? "open").ToList();
            yield return "Transaction states: " + Text.Tally(transactionStates, max);
            if (words.ServerSessionStateLabel is { } label)
            {
                // What the server said, where it was asked (--server); the driver's reading of the heap state otherwise.
                var server = context.Input.ServerSessions;
                yield return label + ": " + Text.Tally(
                    connections.Select(c => ServerSessionEvidence.Asked(server, c) ? ServerSessionEvidence.StateOf(server!, c.ServerPid!.Value) : words.ServerSessionState(c)), max);
            }
        }

        if (kind == FindingKinds.LeakedReader)
        {
            var readerStates = connections.Select(c => c.Reader?.State ?? "open").ToList();
            yield return "Reader states: " + Text.Tally(readerStates, max);
        }

        var pids = connections.Select(c => c.ServerPid).OfType<int>().Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (pids.Count > 0)
        {
            yield return words.ServerPidLabel + ": " + Text.List(pids, max);
        }

        if (ServerSessionEvidence.Line(context.Input.ServerSessions, connections, max) is { } serverLine)
        {
            yield return serverLine;
        }

        var sql = connections.Select(c => c.Sql).OfType<string>()
            .Select(s => Text.Truncate(Text.OneLine(s), 160))
            .GroupBy(s => s, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"'{g.Key}' ×{g.Count()}")
            .ToList();
        if (sql.Count > 0)
        {
            yield return "Last SQL: " + Text.List(sql, max);
        }

        if (pool is not null)
        {
            var busy = pool.Busy is null ? "" : $"; pool busy {pool.Busy}" + (pool.Max is null ? "" : $" of {pool.Max}");
            yield return $"Pool '{DiagnosisContext.DisplayName(pool)}' ({pool.TypeName} at {Hex.Format(pool.Address)}){busy}";
            if (context.SeriesOf(pool) is { } series)
            {
                if (context.CountersVersusHeap(series) is { } line)
                {
                    yield return "Live counters: " + line;
                }

                if (context.LeakRateOf(series) is { } rate && rate.IsRising(context.Options))
                {
                    yield return LeakRateLine(rate);
                }
            }
        }
    }

    public static string LeakRateLine(LeakRate rate)
    {
        var line = $"Leak rate: used connections rose {Text.Number(Math.Round(rate.PerMinute, 1))}/min (linear fit of {rate.SamplesUsed} samples over {Text.Duration(rate.SpanSeconds)} below the max)";
        if (rate.AlreadyExhausted)
        {
            return line + $"; the pool is already at its max of {Text.Number(rate.Max ?? 0)}";
        }

        return rate.SecondsToExhaustion is { } left
            ? line + $"; at this rate the pool reaches its max of {Text.Number(rate.Max ?? 0)} in about {Text.Duration(left)}"
            : line;
    }
}
