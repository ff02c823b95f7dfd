using DbDoctor.Drivers;
using DbDoctor.Heap.Traversal;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Heap.Facts;

/// <summary>Turns the traversal's records into facts, asking each driver's knowledge to read its objects.</summary>
internal sealed class FactAssembler(
    ReachabilityWalker walker,
    RegistryScanner.Result registries,
    FactReader reader,
    PathDescriber paths,
    HolderStackReader holderStacks)
{
    public List<PoolFact> Pools { get; } = [];
    public List<ConnectionFact> Connections { get; } = [];
    public List<GenericDbObjectFact> GenericObjects { get; } = [];

    public void Assemble()
    {
        var records = walker.Interesting.Values.OrderBy(r => r.Address).ToList();
        foreach (var record in records.Where(r => r.Role is { Driver: not null, Role: ObjectRole.Pool }))
        {
            Pools.Add(ReadPool(record));
        }

        var poolsByAddress = Pools.ToDictionary(p => p.Address);
        foreach (var record in records.Where(r => r.Role is { Driver: not null, Role: ObjectRole.PhysicalConnection }))
        {
            if (ReadConnection(record, poolsByAddress) is { } connection)
            {
                Connections.Add(connection);
            }
        }

        foreach (var record in records.Where(r => r.Role.GenericKind is not null))
        {
            // Orphaned: no application root reaches it, so what keeps it is the driver root that first marked it (its
            // static registry of open connections, say); the walk records full paths for the application phase only.
            var (holder, rootPath) = record.ReachedByApplication
                ? paths.Describe(record)
                : (null, (IReadOnlyList<string>)[record.Root.Text, CodeNames.Type(record.Type.Name)]);
            GenericObjects.Add(new GenericDbObjectFact
            {
                Driver = record.Role.GenericDriver ?? "unknown",
                Kind = record.Role.GenericKind!,
                TypeName = CodeNames.Type(record.Type.Name),
                Address = record.Address,
                Held = record.ReachedByApplication,
                Holder = holder,
                RootPath = rootPath,
            });
        }
    }

    private PoolFact ReadPool(InterestRecord record)
    {
        var driver = record.Role.Driver!;
        var fact = driver.ReadPool(reader.GetObject(record.Address), reader, registries.DriverManagedPools.Contains(record.Address));
        var retainedBy = new List<string>();
        string? holder = null;
        IReadOnlyList<string> rootPath = [];
        if (record.ReachedByApplication)
        {
            retainedBy.Add(RetainerKinds.Application);
            (holder, rootPath) = paths.Describe(record);
        }

        if (registries.LabelsByPool.TryGetValue(record.Address, out var labels))
        {
            retainedBy.AddRange(labels);
        }

        // A driver's knowledge may name a timer the traversal cannot see as one (a reaper on a PeriodicTimer).
        if (walker.TimerPayloads.Contains(record.Address) || fact.RetainedBy.Contains(RetainerKinds.Timer))
        {
            retainedBy.Add(RetainerKinds.Timer);
        }

        IReadOnlyList<string> leftovers = !record.ReachedByApplication && record.Root.Source == RootSource.FinishedAsyncStack ? [record.Root.Text] : [];
        return fact with { RetainedBy = retainedBy, Holder = holder, RootPath = rootPath, Leftovers = leftovers };
    }

    private ConnectionFact? ReadConnection(InterestRecord record, Dictionary<ulong, PoolFact> pools)
    {
        var driver = record.Role.Driver!;
        if (driver.ReadConnection(reader.GetObject(record.Address), reader) is not { } reading)
        {
            return null;
        }

        var fact = reading.Fact;
        var description = fact.ServerPid is { } pid ? $"{fact.TypeName} (backend pid {pid})" : fact.TypeName;

        // Held when the application reaches the physical connection or what it hands out (connection, transaction, reader).
        // An object of interest is recorded when first marked, so ReachedByApplication is its application mark bit.
        var holderRecord = new[] { record.Address }.Concat(reading.RelatedObjects)
            .Select(a => walker.Interesting.GetValueOrDefault(a))
            .FirstOrDefault(r => r is { ReachedByApplication: true });
        if (holderRecord is not null || record.ReachedByApplication)
        {
            var (holder, rootPath) = holderRecord is null
                ? ("application", (IReadOnlyList<string>)[description])
                : paths.Describe(holderRecord, holderRecord.Address == record.Address ? description : null);
            return fact with
            {
                Held = true,
                Holder = holder,
                RootPath = rootPath,
                HolderStack = holderRecord is null ? [] : holderStacks.Read(holderRecord),
            };
        }

        return fact with { Held = false, RootPath = OrphanPath(driver, fact, pools, description) };
    }

    /// <summary>Nothing of the application's reaches it: say which driver structure keeps it, from the pool's retainers.</summary>
    private static List<string> OrphanPath(IHeapKnowledge driver, ConnectionFact fact, Dictionary<ulong, PoolFact> pools, string description)
    {
        if (fact.PoolAddress is not { } poolAddress || !pools.TryGetValue(poolAddress, out var pool))
        {
            return ["driver internals", description];
        }

        var retainer = pool.RetainedBy.FirstOrDefault(r => r != RetainerKinds.Application) ?? pool.RetainedBy.FirstOrDefault() ?? "driver internals";
        if (retainer.StartsWith(RetainerKinds.StaticPrefix, StringComparison.Ordinal))
        {
            retainer = "static " + retainer[RetainerKinds.StaticPrefix.Length..];
        }
        else if (retainer == RetainerKinds.Timer)
        {
            retainer = "timer (pool pruning)";
        }

        return [retainer, pool.TypeName, driver.PoolSlotName, description];
    }
}
