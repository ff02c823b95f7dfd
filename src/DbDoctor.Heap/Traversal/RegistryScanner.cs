using DbDoctor.Drivers;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// Finds which pools each driver registry (a static list or dictionary of pools) holds. A registry is small (one
/// entry per pool), so a bounded local walk that stops at pools is cheap and answers "held by which registry" for
/// every pool at once, which the shortest-path view of the main traversal cannot.
/// </summary>
internal static class RegistryScanner
{
    private const int MaxObjectsPerRegistry = 200_000;

    public sealed record Result(Dictionary<ulong, List<string>> LabelsByPool, HashSet<ulong> DriverManagedPools);

    public static Result Scan(ClrHeap heap, IReadOnlyList<RootEntry> roots, IReadOnlyList<IHeapKnowledge> drivers, TypeRoleCache roles, List<string> warnings)
    {
        var labels = new Dictionary<ulong, List<string>>();
        var managed = new HashSet<ulong>();
        foreach (var registry in drivers.SelectMany(d => d.Registries))
        {
            var root = roots.FirstOrDefault(r => r.Source == RootSource.DriverRegistry && r.Label == $"static {registry.TypeName}.{registry.FieldName}");
            if (root is null)
            {
                continue;
            }

            var start = heap.GetObject(root.Object);
            foreach (var field in registry.InstanceFieldPath)
            {
                start = ReferenceFields.Read(heap, start, field);
            }

            if (start.IsNull)
            {
                continue;
            }

            var visited = new HashSet<ulong>();
            var stack = new Stack<ulong>();
            stack.Push(start.Address);
            while (stack.Count > 0)
            {
                var address = stack.Pop();
                if (!visited.Add(address))
                {
                    continue;
                }

                if (visited.Count > MaxObjectsPerRegistry)
                {
                    warnings.Add($"Registry {registry.Label} is larger than {MaxObjectsPerRegistry:N0} objects; pools beyond that are not attributed to it.");
                    break;
                }

                if (heap.GetObjectType(address) is not { } type)
                {
                    continue;
                }

                var role = roles.Get(type).Role;
                if (role == ObjectRole.Pool)
                {
                    if (!labels.TryGetValue(address, out var list))
                    {
                        labels[address] = list = [];
                    }

                    if (!list.Contains(registry.Label))
                    {
                        list.Add(registry.Label);
                    }

                    if (registry.MarksDriverManaged)
                    {
                        managed.Add(address);
                    }

                    continue;
                }

                if (role != ObjectRole.None || !type.ContainsPointers)
                {
                    continue;
                }

                foreach (var child in heap.GetObject(address, type).EnumerateReferenceAddresses(carefully: false, considerDependantHandles: false))
                {
                    stack.Push(child);
                }
            }
        }

        return new Result(labels, managed);
    }
}
