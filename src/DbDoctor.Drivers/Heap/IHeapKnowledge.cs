using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>What an object means to the analysis.</summary>
public enum ObjectRole
{
    None,
    Pool,
    PhysicalConnection,
    OuterConnection,
    Transaction,
    Reader,
}

/// <summary>
/// A driver static that holds pools by design (a registry). The traversal treats it as a driver root, and every pool
/// reachable from it gets <see cref="Label"/> in <see cref="PoolFact.RetainedBy"/>.
/// </summary>
/// <param name="TypeName">Declaring type of the static field.</param>
/// <param name="FieldName">The static field.</param>
/// <param name="Label">"static:&lt;Type.field&gt;" as shown to the user.</param>
/// <param name="InstanceFieldPath">Instance fields followed from the static's value to the registry collection itself.</param>
/// <param name="MarksDriverManaged">Pools in this registry were created by the driver for a connection string.</param>
public sealed record DriverRegistry(
    string TypeName,
    string FieldName,
    string Label,
    IReadOnlyList<string> InstanceFieldPath,
    bool MarksDriverManaged);

/// <summary>
/// Everything DbDoctor knows about one driver's internals: type names, field names, state codes. Adding a driver
/// (or a driver version with another layout) means adding one implementation; the traversal stays driver-agnostic.
/// </summary>
public interface IHeapKnowledge
{
    /// <summary>Display name, e.g. "Npgsql".</summary>
    string Name { get; }

    /// <summary>Assembly file names (e.g. "Npgsql.dll") whose types belong to this driver.</summary>
    IReadOnlyList<string> AssemblyFileNames { get; }

    /// <summary>The module whose version is reported as the driver version.</summary>
    string VersionAssemblyFileName { get; }

    IReadOnlyList<DriverRegistry> Registries { get; }

    /// <summary>
    /// Types the application holds and whose references lead to what it uses (connections, commands, readers,
    /// transactions, data sources it built). Every other type of the driver's assemblies is internal: it is a
    /// barrier of the application phase, because what it references is the driver's business.
    /// </summary>
    bool IsApplicationFacing(ClrType type);

    ObjectRole Classify(ClrType type);

    /// <summary>How a pool names the slot holding its connections, for root paths ("Connectors[]").</summary>
    string PoolSlotName { get; }

    /// <summary>Reads a pool's own fields; retention is filled in by the caller.</summary>
    PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged);

    /// <summary>
    /// Reads a physical connection; null when it is not to be listed (closed, or idle in its pool and not broken).
    /// Held/Holder/RootPath are filled in by the caller from <see cref="ConnectionReading.RelatedObjects"/>.
    /// </summary>
    ConnectionReading? ReadConnection(ClrObject connection, FactReader reader);

    /// <summary>
    /// What a registry records besides pool objects, as pool facts: a driver that notes a connection string used with
    /// pooling off under a null pool leaves no pool object, and only this entry names the endpoint its connections go
    /// to (for the socket census and the churn rule). <paramref name="registry"/> is the static's value. Most drivers have none.
    /// </summary>
    IEnumerable<PoolFact> ReadRegistryEntries(ClrObject registry, DriverRegistry entry, FactReader reader) => [];
}

/// <summary>A connection fact plus the application-facing objects that make it "held" when an application root reaches them.</summary>
public sealed record ConnectionReading(ConnectionFact Fact, IReadOnlyList<ulong> RelatedObjects);
