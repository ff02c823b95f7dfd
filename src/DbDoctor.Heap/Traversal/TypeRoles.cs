using DbDoctor.Drivers;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>What the traversal does with objects of one type. Computed once per type, so recognising objects of
/// interest costs one dictionary lookup per object instead of a second heap walk.</summary>
internal sealed class TypeRole
{
    public static readonly TypeRole Plain = new(null, ObjectRole.None, barrier: false, isTimer: false, genericKind: null, genericDriver: null);

    public TypeRole(IHeapKnowledge? driver, ObjectRole role, bool barrier, bool isTimer, string? genericKind, string? genericDriver)
    {
        Driver = driver;
        Role = role;
        Barrier = barrier;
        IsTimer = isTimer;
        GenericKind = genericKind;
        GenericDriver = genericDriver;
    }

    /// <summary>The driver the type belongs to, when DbDoctor has a knowledge file for it.</summary>
    public IHeapKnowledge? Driver { get; }

    public ObjectRole Role { get; }

    /// <summary>Driver-internal: marked but not expanded while marking from application roots.</summary>
    public bool Barrier { get; }

    /// <summary>System.Threading.TimerQueueTimer: a barrier when its payload is driver-internal.</summary>
    public bool IsTimer { get; }

    /// <summary>"connection", "reader", "transaction", "data-source" for ADO.NET types of drivers without knowledge.</summary>
    public string? GenericKind { get; }

    public string? GenericDriver { get; }

    public bool IsInteresting => Role != ObjectRole.None || GenericKind is not null;

    /// <summary>An async state machine or its runtime box: holds nothing once the method finished.</summary>
    public AsyncShape? Async { get; init; }
}

internal sealed class TypeRoleCache
{
    private readonly Dictionary<ClrType, TypeRole> _roles = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, IHeapKnowledge> _driverByAssembly = new(StringComparer.OrdinalIgnoreCase);

    public TypeRoleCache(IEnumerable<IHeapKnowledge> drivers)
    {
        foreach (var driver in drivers)
        {
            foreach (var file in driver.AssemblyFileNames)
            {
                _driverByAssembly[file] = driver;
            }
        }
    }

    public TypeRole Get(ClrType type)
    {
        if (!_roles.TryGetValue(type, out var role))
        {
            role = Compute(type);
            _roles[type] = role;
            StateMachineKinds.Learn(Names, type);
        }

        return role;
    }

    /// <summary>What the compiler-generated types seen so far say about themselves, for readable names.</summary>
    public CodeNameHints Names { get; } = new();

    public IHeapKnowledge? DriverOf(ClrModule? module) =>
        module?.Name is { } name && _driverByAssembly.TryGetValue(Path.GetFileName(name), out var driver) ? driver : null;

    private TypeRole Compute(ClrType type)
    {
        // An array of driver objects reports the driver's module, yet it is a plain container (List<SomeConnection>._items).
        if (!type.IsArray && DriverOf(type.Module) is { } driver)
        {
            // A driver without a knowledge file is still a driver for the traversal; its ADO.NET objects are counted by kind.
            var genericKind = driver is GenericHeapKnowledge ? GenericHeapKnowledge.AdoNetKind(type) : null;
            return new TypeRole(driver, driver.Classify(type), barrier: !driver.IsApplicationFacing(type), isTimer: false,
                genericKind, genericKind is null ? null : driver.Name);
        }

        // Arrays and objects without references outside the drivers play no part (no timer, ADO.NET object or state
        // machine is either): deciding so without their names spares reading their modules' metadata, which the runtime's
        // data access library copies whole into memory the first time any name of a module is asked for.
        if (type.IsArray || !type.ContainsPointers)
        {
            return TypeRole.Plain;
        }

        if (type.Name == "System.Threading.TimerQueueTimer")
        {
            return new TypeRole(null, ObjectRole.None, barrier: false, isTimer: true, null, null);
        }

        // A reader or transaction subclass outside any driver assembly (one that defines no DbConnection of its own):
        // counted under its assembly's name, with no driver roots behind it.
        if (GenericHeapKnowledge.AdoNetKind(type) is { } kind)
        {
            var assembly = Path.GetFileNameWithoutExtension(type.Module?.Name ?? "unknown");
            return new TypeRole(null, ObjectRole.None, barrier: false, isTimer: false, kind, assembly);
        }

        return FinishedAsync.ShapeOf(type) is { } shape
            ? new TypeRole(null, ObjectRole.None, barrier: false, isTimer: false, null, null) { Async = shape }
            : TypeRole.Plain;
    }
}
