using DbDoctor.Drivers;
using System.Text.RegularExpressions;
using DbDoctor.Heap.Traversal;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Facts;

/// <summary>Turns a recorded root path into what a person reads: who holds the object and how.</summary>
internal sealed partial class PathDescriber(ClrHeap heap, TypeRoleCache roles, int maxPathLength)
{
    [GeneratedRegex(@"(?<type>[\w.`+]+)\+<(?<method>[^>]+)>d__\d+")]
    private static partial Regex AsyncStateMachine();

    public (string Holder, IReadOnlyList<string> RootPath) Describe(InterestRecord record, string? lastElement = null)
    {
        var path = record.Path ?? [record.Address];
        var elements = new List<string> { record.Root.Label };
        for (var i = 0; i < path.Length; i++)
        {
            var obj = heap.GetObject(path[i]);
            var name = obj.Type?.Name ?? "?";
            if (i == path.Length - 1)
            {
                elements.Add(lastElement ?? name);
            }
            else
            {
                var field = FieldTo(obj, path[i + 1]);
                elements.Add(field is null or "[]" ? name : $"{name}.{field}");
            }
        }

        return (HolderOf(record, path), Shorten(elements));
    }

    private string HolderOf(InterestRecord record, ulong[] path)
    {
        // A static of the application's own types names the holder best; a framework static (the timer queue behind an
        // awaited Task.Delay, say) does not: the async method or application type further down the path does.
        if (record.Root.Source == RootSource.ApplicationStatic && !IsFrameworkName(record.Root.Label.Replace("static ", "", StringComparison.Ordinal)))
        {
            return record.Root.Label;
        }

        for (var i = path.Length - 1; i >= 0; i--)
        {
            var match = AsyncStateMachine().Match(heap.GetObjectType(path[i])?.Name ?? "");
            if (match.Success)
            {
                return $"async {match.Groups["type"].Value}.{match.Groups["method"].Value}";
            }
        }

        if (record.Root.StackMethod is { } method)
        {
            return method;
        }

        foreach (var address in path)
        {
            if (heap.GetObjectType(address) is { } type && IsApplicationType(type))
            {
                return type.Name!;
            }
        }

        return record.Root.Label;
    }

    private bool IsApplicationType(ClrType type)
    {
        var name = type.Name;
        return name is not null && roles.DriverOf(type.Module) is null && !IsFrameworkName(name);
    }

    private static bool IsFrameworkName(string name) =>
        name.StartsWith("System.", StringComparison.Ordinal)
        || name.StartsWith("Microsoft.", StringComparison.Ordinal)
        || name.StartsWith("Internal.", StringComparison.Ordinal)
        || name.StartsWith("Interop", StringComparison.Ordinal)
        || name.StartsWith('<');

    private static string? FieldTo(ClrObject obj, ulong child)
    {
        if (obj.IsNull || obj.Type is null)
        {
            return null;
        }

        if (obj.IsArray)
        {
            return "[]";
        }

        foreach (var field in obj.Type.Fields)
        {
            if (field.IsObjectReference && field.ReadObject(obj.Address, interior: false).Address == child)
            {
                return SimplifyFieldName(field.Name);
            }
        }

        return null;
    }

    public static string SimplifyFieldName(string? name) =>
        name is not null && name.StartsWith('<') && name.EndsWith(">k__BackingField", StringComparison.Ordinal)
            ? name[1..^">k__BackingField".Length]
            : name ?? "?";

    private List<string> Shorten(List<string> elements)
    {
        if (elements.Count <= maxPathLength || maxPathLength < 3)
        {
            return elements;
        }

        var head = maxPathLength / 2;
        var tail = maxPathLength - head - 1;
        return [.. elements.Take(head), $"… {elements.Count - head - tail} more …", .. elements.TakeLast(tail)];
    }
}
