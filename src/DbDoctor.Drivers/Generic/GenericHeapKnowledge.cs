using System.Reflection;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// The ADO.NET fallback for a driver DbDoctor has no knowledge file for. It knows no pool layout, so it reads no pool and
/// no physical connection: it only tells the traversal which assembly is the driver, so that the driver's own statics,
/// stack frames, timers and internal objects count as the driver's and not as the application's. Its connections,
/// readers, transactions and data sources are then counted (held or orphaned) as <see cref="GenericDbObjectFact"/>s.
/// <para>
/// The rule: an assembly that defines a subclass of System.Data.Common.DbConnection is a driver, unless DbDoctor knows it
/// already, it is System.Data.Common itself, or that subclass wraps another DbConnection (a profiling or tracing wrapper
/// the application adds around a real driver, whose assembly may well be the application's own). Within a driver
/// assembly, public types are what the application holds (connection, command, reader, transaction, data source);
/// non-public types are the driver's internals and stop the application phase of the traversal, as a known driver's do.
/// </para>
/// </summary>
public sealed class GenericHeapKnowledge : IHeapKnowledge
{
    private const string DbConnection = "System.Data.Common.DbConnection";

    private static readonly (string BaseType, string Kind)[] AdoNetBases =
    [
        (DbConnection, "connection"),
        ("System.Data.Common.DbDataReader", "reader"),
        ("System.Data.Common.DbTransaction", "transaction"),
        ("System.Data.Common.DbDataSource", "data-source"),
    ];

    private GenericHeapKnowledge(string assemblyFileName)
    {
        AssemblyFileNames = [assemblyFileName];
        VersionAssemblyFileName = assemblyFileName;
        Name = Path.GetFileNameWithoutExtension(assemblyFileName);
    }

    /// <summary>The assembly name, e.g. "Acme.Data": the name findings show for the driver.</summary>
    public string Name { get; }

    public IReadOnlyList<string> AssemblyFileNames { get; }

    public string VersionAssemblyFileName { get; }

    /// <summary>An unknown driver's registries cannot be named in advance: its statics are all driver roots instead.</summary>
    public IReadOnlyList<DriverRegistry> Registries { get; } = [];

    /// <summary>Never used: without knowledge of the pool there is no pool slot to name.</summary>
    public string PoolSlotName => "(unknown pool layout)";

    /// <summary>
    /// Finds the assemblies that define a DbConnection subclass. Only loaded types are looked at (a type with objects on
    /// the heap is loaded), and nothing at all when no DbConnection type is loaded.
    /// </summary>
    public static List<GenericHeapKnowledge> Discover(ClrRuntime runtime, IReadOnlyList<IHeapKnowledge> knownDrivers)
    {
        var modules = runtime.EnumerateModules().Where(m => m.Name is not null).ToList();
        var dataCommon = modules.FirstOrDefault(m => FileName(m) == "System.Data.Common.dll");
        if (dataCommon is null)
        {
            return [];
        }

        try
        {
            return FindDriverAssemblies(runtime, modules, knownDrivers);
        }
        finally
        {
            // The type views read here are not used again: dropped before the static-field mapping (RootCatalog), they
            // neither add to dbdoctor's peak memory nor outlive a cache flush there (using them after one crashes the DAC).
            runtime.FlushCachedData();
        }
    }

    private static List<GenericHeapKnowledge> FindDriverAssemblies(ClrRuntime runtime, List<ClrModule> modules, IReadOnlyList<IHeapKnowledge> knownDrivers)
    {
        var known = knownDrivers.SelectMany(d => d.AssemblyFileNames);
        var result = new List<GenericHeapKnowledge>();
        if (modules.First(m => FileName(m) == "System.Data.Common.dll").GetTypeByName(DbConnection) is null)
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "System.Private.CoreLib.dll", "System.Data.Common.dll" };
        seen.UnionWith(known);
        foreach (var module in modules)
        {
            var file = FileName(module);
            if (seen.Contains(file) || module.IsDynamic)
            {
                continue;
            }

            foreach (var (methodTable, _) in module.EnumerateTypeDefToMethodTableMap())
            {
                if (methodTable != 0 && runtime.GetTypeByMethodTable(methodTable) is { } type && IsDriverConnection(type))
                {
                    seen.Add(file);
                    result.Add(new GenericHeapKnowledge(file));
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>"connection", "reader", "transaction", "data-source" for a subclass of those ADO.NET bases, else null.</summary>
    public static string? AdoNetKind(ClrType type)
    {
        if (type.IsArray || FileName(type.Module) == "System.Data.Common.dll")
        {
            // System.Data.Common's own subclasses (DataTableReader over an in-memory DataTable) belong to no driver.
            return null;
        }

        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            foreach (var (baseType, kind) in AdoNetBases)
            {
                if (t.Name == baseType)
                {
                    return kind;
                }
            }
        }

        return null;
    }

    public bool IsApplicationFacing(ClrType type) =>
        (type.TypeAttributes & TypeAttributes.VisibilityMask) is TypeAttributes.Public or TypeAttributes.NestedPublic;

    /// <summary>No driver role: the kind is the ADO.NET base class (<see cref="AdoNetKind"/>), recorded as a generic object.</summary>
    public ObjectRole Classify(ClrType type) => ObjectRole.None;

    public PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged) =>
        throw new InvalidOperationException($"{Name} has no known pool type: Classify never names one, so no pool can be read.");

    /// <summary>Null: an unknown driver's connections are listed as generic objects, not as physical connections.</summary>
    public ConnectionReading? ReadConnection(ClrObject connection, FactReader reader) => null;

    private static bool IsDriverConnection(ClrType type)
    {
        if (AdoNetKind(type) != "connection")
        {
            return false;
        }

        // A wrapper holds the real connection in a field typed DbConnection (or a subclass): it is not the driver.
        return !type.Fields.Any(f => f.IsObjectReference && f.Type is { } fieldType && DerivesFromOrIs(fieldType, DbConnection));
    }

    private static bool DerivesFromOrIs(ClrType type, string baseName)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == baseName)
            {
                return true;
            }
        }

        return false;
    }

    private static string FileName(ClrModule? module) => Path.GetFileName(module?.Name ?? "");
}
