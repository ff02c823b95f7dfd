using DbDoctor.Model.Reports;
using DbDoctor.Model;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// ADO.NET objects of drivers DbDoctor has no knowledge file for: it cannot read their pool state, so it only counts
/// them by kind and says which ones application code still holds and what keeps the others (orphaned: only the driver).
/// <para>
/// Deliberately info, never a warning-level leaked-connection, even for orphaned connections: without the driver's
/// state DbDoctor cannot tell an abandoned open connection from one a command is using right now (an async command's
/// continuation is reachable only through the driver's I/O objects, so it looks orphaned too), nor a closed connection
/// object the driver caches for reuse. For known drivers the connector's state makes that call; here a warning would be
/// a guess, and exit code 3 on a healthy application under load. The objects and their driver roots are listed instead.
/// </para>
/// </summary>
public sealed class UnknownDriverObjectsRule : IRule
{
    public IEnumerable<Finding> Evaluate(DiagnosisContext context)
    {
        var groups = (context.Heap?.GenericObjects ?? [])
            .GroupBy(o => o.Driver)
            .OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var objects = group.OrderBy(o => o.Kind, StringComparer.Ordinal).ThenBy(o => o.Address).ToList();
            var evidence = objects.GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => $"{Wording.Count(g.Count(), g.Key)}: {g.Count(o => o.Held)} held by application code, {g.Count(o => !o.Held)} orphaned")
                .ToList();
            var holders = objects.Where(o => o.Holder is not null).Select(o => o.Holder!).ToList();
            if (holders.Count > 0)
            {
                evidence.Add("Held by: " + Text.Tally(holders, context.Options.MaxValuesPerEvidenceLine));
            }

            var keepers = objects.Where(o => !o.Held && o.RootPath.Count > 0).Select(o => o.RootPath[0]).ToList();
            if (keepers.Count > 0)
            {
                evidence.Add("Orphaned, kept alive only by the driver: " + Text.Tally(keepers, context.Options.MaxValuesPerEvidenceLine));
            }

            yield return new Finding
            {
                Kind = FindingKinds.UnknownDriver,
                Severity = Severities.Info,
                Driver = group.Key,
                Count = objects.Count,
                Title = $"{Wording.Count(objects.Count, "ADO.NET object")} of {group.Key}, a driver DbDoctor has no knowledge of: counted, not diagnosed",
                Evidence = evidence,
                Advice = $"DbDoctor cannot read {group.Key}'s pool state, so it reports no leak for it. Orphaned connections, readers or transactions " +
                         "(no application code reaches them; the driver keeps them) are likely leaks unless a command was running at the " +
                         "moment of the snapshot: take a second snapshot, and dispose each one with `using`/`await using`.",
                Objects = objects.Take(context.Options.MaxObjectsPerFinding).Select(o => FindingObjects.Of(o, o.Kind + (o.Held ? ", held" : ", orphaned"))).ToList(),
            };
        }
    }
}
