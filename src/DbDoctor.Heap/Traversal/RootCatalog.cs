using DbDoctor.Drivers;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

internal enum RootSource
{
    ApplicationStatic,
    ApplicationStack,
    ApplicationHandle,
    DriverRegistry,
    DriverStatic,
    DriverStack,
    DriverHandle,

    /// <summary>A frame (or state machine) of an async method that has finished: it holds nothing, though still on a stack.</summary>
    FinishedAsyncStack,
}

/// <summary>One GC root as the analysis sees it: what it points to and a readable name for it.</summary>
/// <param name="Thread">For a stack root: the OS thread whose stack holds it, so the holder's stack can be shown.</param>
/// <param name="Label">The runtime's spelling ("static Ns.Type.&lt;Pool&gt;k__BackingField"), which driver registries are matched on.</param>
/// <param name="StackMethod">For a stack root: the frame's method as the runtime spells it ("Ns.Type+&lt;RunAsync&gt;d__2.MoveNext").</param>
internal sealed record RootEntry(ulong Object, string Label, RootSource Source, string? StackMethod, uint? Thread = null)
{
    /// <summary>The label as people read it (<see cref="CodeNames"/>), when it differs from <see cref="Label"/>.</summary>
    public string? Shown { get; init; }

    /// <summary>The frame's method as people read it ("async Ns.Type.RunAsync").</summary>
    public string? ShownMethod { get; init; }

    public string Text => Shown ?? Label;

    public bool IsApplication => Source is RootSource.ApplicationStatic or RootSource.ApplicationStack or RootSource.ApplicationHandle;
}

/// <summary>
/// Sorts the process's GC roots into application roots and driver roots. Static fields live in runtime-owned
/// Object[] arrays that a single strong handle roots, so they are mapped one by one from the type system: that is
/// the only way to name a holding static and to tell a driver registry from an application field.
/// </summary>
internal static class RootCatalog
{
    private const long FlushAfterAllocatedBytes = 512 * 1024;

    public static List<RootEntry> Build(ClrRuntime runtime, TypeRoleCache roles, IReadOnlyList<IHeapKnowledge> drivers, List<string> warnings)
    {
        var roots = new List<RootEntry>();
        var staticSlots = new HashSet<ulong>();
        MapStaticFields(runtime, roles, drivers, roots, staticSlots);

        var heap = runtime.Heap;
        var frames = new Dictionary<(uint Thread, ulong StackPointer), List<(ClrObject Object, RootEntry Entry)>>();
        foreach (var root in heap.EnumerateRoots())
        {
            var obj = root.Object;
            if (obj.IsNull || root.RootKind == ClrRootKind.FinalizerQueue)
            {
                // Finalizer-queue objects are already unreachable: they are garbage waiting for a finalizer.
                continue;
            }

            if (root.RootKind == ClrRootKind.Stack)
            {
                if (IsStaticsArray(obj, staticSlots))
                {
                    // A frame can hold the runtime's statics storage itself (seen in Task.SpinThenBlockingWait): walking it
                    // would make every static of its module, a driver's registry included, look held by that frame. Its
                    // fields are roots of their own, named and classified above; the array's handle roots it anyway.
                    continue;
                }

                var frame = (root as ClrStackRoot)?.StackFrame;
                var method = frame?.Method;
                var methodName = method is null ? null : $"{method.Type?.Name}.{method.Name}";
                var driverFrame = roles.DriverOf(method?.Type?.Module) is not null;
                if (method?.Type is { } frameType)
                {
                    roles.Get(frameType);
                }

                var shownMethod = method is null ? null : CodeNames.Method(method.Type?.Name, method.Name, roles.Names);
                var entry = new RootEntry(obj.Address, methodName is null ? "stack" : "stack " + methodName,
                    driverFrame ? RootSource.DriverStack : RootSource.ApplicationStack, methodName, frame?.Thread?.OSThreadId)
                {
                    Shown = shownMethod is null ? null : "stack " + shownMethod,
                    ShownMethod = shownMethod,
                };
                if (frame is not null && !driverFrame && method?.Name == "MoveNext" && FinishedAsync.MethodOf(method.Type?.Name) is not null)
                {
                    // Judged below, once all of the frame's slots are known: one of them is its state machine.
                    var key = (frame.Thread?.OSThreadId ?? 0, frame.StackPointer);
                    if (!frames.TryGetValue(key, out var slots))
                    {
                        frames[key] = slots = [];
                    }

                    slots.Add((obj, entry));
                    continue;
                }

                if (frame is not null && FinishedAsync.IsCompletedTaskInMachinery(method, obj))
                {
                    roots.Add(entry with
                    {
                        Label = $"completed task {CodeNames.Type(obj.Type?.Name, roles.Names)} in {shownMethod}, still on thread {frame.Thread?.OSThreadId ?? 0}'s stack",
                        Shown = null,
                        Source = RootSource.FinishedAsyncStack,
                    });
                    continue;
                }

                roots.Add(entry);
                continue;
            }

            if (IsStaticsArray(obj, staticSlots))
            {
                AddUnmappedStaticSlots(obj, staticSlots, roots, runtime);
                continue;
            }

            var type = obj.Type;
            var driverInternal = type is not null && roles.Get(type) is { Driver: not null, Barrier: true };
            var label = root.RootKind == ClrRootKind.ThreadStaticVar ? "thread static" : $"{KindName(root.RootKind)} {CodeNames.Type(type?.Name, roles.Names)}";
            roots.Add(new RootEntry(obj.Address, label, driverInternal ? RootSource.DriverHandle : RootSource.ApplicationHandle, null));
        }

        AddAsyncFrames(frames, roots, roles);

        // The stack walks behind the roots leave megabytes of caches: released here, so callers must re-read runtime.Heap.
        runtime.FlushCachedData();
        if (staticSlots.Count == 0)
        {
            warnings.Add("No static fields could be mapped: holders that are static fields cannot be named.");
        }

        // Statics first, so an object both in a static and on a stack is named after the static.
        return roots.OrderBy(r => r.Source switch
        {
            RootSource.ApplicationStatic => 0,
            RootSource.ApplicationHandle => 1,
            RootSource.ApplicationStack => 2,
            RootSource.DriverRegistry => 3,
            _ => 4,
        }).ToList();
    }

    /// <summary>
    /// Names every static reference field of every module. ClrMD's type views and the data access library's caches
    /// behind them cost ~15 MB for a few hundred types: flushing them after each big module keeps about one module's
    /// worth resident at a time (dbdoctor's peak memory, bench/RESULTS.md). A flush replaces runtime.Heap and every type
    /// view: only the module list is kept across flushes; types, fields and domains are read afresh for each module.
    /// </summary>
    private static void MapStaticFields(ClrRuntime runtime, TypeRoleCache roles, IReadOnlyList<IHeapKnowledge> drivers, List<RootEntry> roots, HashSet<ulong> staticSlots)
    {
        var registries = drivers.SelectMany(d => d.Registries).Select(r => (r.TypeName, r.FieldName)).ToHashSet();
        var modules = runtime.EnumerateModules().ToList();
        var allocatedAtLastFlush = GC.GetAllocatedBytesForCurrentThread();
        foreach (var module in modules)
        {
            var driverModule = roles.DriverOf(module) is not null;
            foreach (var type in module.EnumerateTypesWithStaticFields())
            {
                foreach (var field in type.StaticFields)
                {
                    if (!field.IsObjectReference)
                    {
                        continue;
                    }

                    foreach (var domain in runtime.AppDomains)
                    {
                        var slot = field.GetAddress(domain);
                        if (slot == 0 || !staticSlots.Add(slot))
                        {
                            continue;
                        }

                        var value = runtime.DataTarget.DataReader.ReadPointer(slot);
                        if (value == 0)
                        {
                            continue;
                        }

                        var name = $"{type.Name}.{field.Name}";
                        var source = registries.Contains((type.Name ?? "", field.Name ?? ""))
                            ? RootSource.DriverRegistry
                            : driverModule ? RootSource.DriverStatic : RootSource.ApplicationStatic;
                        roots.Add(new RootEntry(value, "static " + name, source, null) { Shown = "static " + CodeNames.Field(type.Name, field.Name, roles.Names) });
                    }
                }
            }

            // What ClrMD allocated tracks how much the data access library cached: a flush after each module that cost
            // more than 512 KB (CoreLib and a few others) frees most of it, without re-reading shared runtime data after
            // each of the many small ones (~50 ms more). The flushed views are garbage then: a short run allocates too
            // little for the GC to collect them on its own.
            if (GC.GetAllocatedBytesForCurrentThread() - allocatedAtLastFlush > FlushAfterAllocatedBytes)
            {
                runtime.FlushCachedData();
                GC.Collect(0);
                allocatedAtLastFlush = GC.GetAllocatedBytesForCurrentThread();
            }
        }
    }

    /// <summary>Slots of async MoveNext frames: those of a finished method hold nothing and are walked with the driver's roots.</summary>
    private static void AddAsyncFrames(Dictionary<(uint Thread, ulong StackPointer), List<(ClrObject Object, RootEntry Entry)>> frames, List<RootEntry> roots, TypeRoleCache roles)
    {
        foreach (var ((thread, _), slots) in frames)
        {
            var method = slots[0].Entry.StackMethod;
            var methodType = method?[..method.LastIndexOf('.')];
            var finished = FinishedAsync.IsFinishedFrame(methodType, slots.Select(s => s.Object), roles);
            foreach (var (_, entry) in slots)
            {
                roots.Add(finished
                    ? entry with
                    {
                        Label = $"{FinishedAsync.Finished(FinishedAsync.MethodOf(methodType))}, still on thread {thread}'s stack",
                        Shown = null,
                        Source = RootSource.FinishedAsyncStack,
                    }
                    : entry);
            }
        }
    }

    private static string KindName(ClrRootKind kind) => kind switch
    {
        ClrRootKind.StrongHandle => "strong handle to",
        ClrRootKind.PinnedHandle => "pinned handle to",
        ClrRootKind.AsyncPinnedHandle => "async pinned handle to",
        ClrRootKind.RefCountedHandle => "ref-counted handle to",
        ClrRootKind.SizedRefHandle => "sized-ref handle to",
        _ => kind.ToString(),
    };

    private static bool IsStaticsArray(ClrObject obj, HashSet<ulong> staticSlots)
    {
        // Type first: IsArray throws when the type cannot be read (a stack slot into memory a heap-less dump lacks).
        if (obj.Type is not { IsArray: true, ComponentType.IsObjectReference: true })
        {
            return false;
        }

        var array = obj.AsArray();
        var length = Math.Min(array.Length, 64);
        for (var i = 0; i < length; i++)
        {
            if (staticSlots.Contains(obj.Type.GetArrayElementAddress(obj.Address, i)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Slots of a statics array that the type system did not name still root their objects.</summary>
    private static void AddUnmappedStaticSlots(ClrObject statics, HashSet<ulong> staticSlots, List<RootEntry> roots, ClrRuntime runtime)
    {
        var array = statics.AsArray();
        for (var i = 0; i < array.Length; i++)
        {
            var slot = statics.Type!.GetArrayElementAddress(statics.Address, i);
            if (staticSlots.Contains(slot))
            {
                continue;
            }

            var value = runtime.DataTarget.DataReader.ReadPointer(slot);
            if (value != 0)
            {
                roots.Add(new RootEntry(value, "static (unnamed)", RootSource.ApplicationStatic, null));
            }
        }
    }
}
