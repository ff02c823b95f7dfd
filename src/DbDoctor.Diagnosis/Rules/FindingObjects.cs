using DbDoctor.Diagnosis.Origins;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;

namespace DbDoctor.Diagnosis.Rules;

/// <summary>
/// The one place a heap object becomes a listed object of a finding, so a connection reads the same in every finding
/// (leak, held, stale) and every object carries its address, holder and root path.
/// </summary>
internal static class FindingObjects
{
    public static FindingObject Of(ConnectionFact c) =>
        Of(c.TypeName, c.Address, c.Holder, c.RootPath, StateOf(c)) with
        {
            // The heap reader already cut the text at --max-sql: no second, hidden cap here.
            Sql = c.Sql is null ? null : Text.OneLine(c.Sql),
            ServerPid = c.ServerPid,
            HolderStack = c.HolderStack,
        };

    /// <summary>
    /// The listed objects of a finding about connections, in address order; when traced, those whose origin is known
    /// first, each with its origin.
    /// </summary>
    public static IReadOnlyList<FindingObject> Listed(IReadOnlyList<ConnectionFact> connections, FindingOrigins? origins, int max)
    {
        var ordered = origins is null ? connections : connections.OrderBy(c => origins.ByAddress.ContainsKey(c.Address) ? 0 : 1).ToList();
        return ordered.Take(max)
            .Select(c => Of(c) with { Origin = origins?.ByAddress.GetValueOrDefault(c.Address) })
            .ToList();
    }

    public static FindingObject Of(PoolFact p, string state) => Of(p.TypeName, p.Address, p.Holder, p.RootPath, state);

    public static FindingObject Of(GenericDbObjectFact o, string state) => Of(o.TypeName, o.Address, o.Holder, o.RootPath, state);

    private static FindingObject Of(string type, ulong address, string? holder, IReadOnlyList<string> rootPath, string? state) => new()
    {
        Type = type,
        Address = Hex.Format(address),
        Holder = holder,
        RootPath = rootPath,
        State = state,
    };

    private static string? StateOf(ConnectionFact c)
    {
        var parts = new List<string>();
        if (c.State is not null)
        {
            parts.Add(c.State);
        }

        if (c.Broken && c.State?.Contains("broken", StringComparison.OrdinalIgnoreCase) != true)
        {
            parts.Add("broken");
        }

        if (c.Transaction is { Open: true } t)
        {
            parts.Add(t.State ?? "in transaction");
        }

        if (c.Reader is { Open: true } r)
        {
            parts.Add("reader " + (r.State ?? "open"));
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }
}
