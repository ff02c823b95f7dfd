using System.Globalization;
using DbDoctor.Heap.Traversal;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Facts;

/// <summary>
/// Turns a recorded root path into what a person reads: who holds the object and how, with type, method and field names in
/// C# terms (<see cref="CodeNames"/>: "async lambda in Program.Main", not <c>Program+&lt;&gt;c__DisplayClass1_0+&lt;&lt;Main&gt;b__1&gt;d</c>).
/// </summary>
internal sealed class PathDescriber(ClrHeap heap, TypeRoleCache roles, int maxPathLength)
{
    public (string Holder, IReadOnlyList<string> RootPath) Describe(InterestRecord record, string? lastElement = null)
    {
        var path = record.Path ?? [record.Address];
        var elements = new List<string> { record.Root.Text };
        for (var i = 0; i < path.Length; i++)
        {
            var obj = heap.GetObject(path[i]);
            if (obj.Type is { } type)
            {
                roles.Get(type);
            }

            var name = obj.Type?.Name ?? "?";
            if (i == path.Length - 1)
            {
                elements.Add(lastElement ?? CodeNames.Type(name, roles.Names));
            }
            else
            {
                var field = FieldTo(obj, path[i + 1]);
                elements.Add(field is null or "[]" ? CodeNames.Type(name, roles.Names) : CodeNames.Field(name, field, roles.Names));
            }
        }

        return (HolderOf(record, path), Shorten(elements, record.PathSkipped));
    }

    private string HolderOf(InterestRecord record, ulong[] path)
    {
        // A static of the application's own types names the holder best; a framework static (the timer queue behind an
        // awaited Task.Delay, say) does not: the async method or application type further down the path does.
        if (record.Root.Source == RootSource.ApplicationStatic && !IsFrameworkName(record.Root.Label.Replace("static ", "", StringComparison.Ordinal)))
        {
            return record.Root.Text;
        }

        // The async method (or iterator) nearest the object: its locals hold it.
        for (var i = path.Length - 1; i >= 0; i--)
        {
            if (heap.GetObjectType(path[i]) is not { } type)
            {
                continue;
            }

            if (roles.Get(type).Async is { } shape)
            {
                return "async " + shape.MethodName;
            }

            if (CodeNames.Type(type.Name, roles.Names) is { } text && (text.StartsWith("iterator ", StringComparison.Ordinal) || text.StartsWith("async iterator ", StringComparison.Ordinal)))
            {
                return text;
            }
        }

        if (record.Root.StackMethod is { } method)
        {
            return record.Root.ShownMethod ?? method;
        }

        foreach (var address in path)
        {
            if (heap.GetObjectType(address) is { } type && IsApplicationType(type))
            {
                return CodeNames.Type(type.Name, roles.Names);
            }
        }

        return record.Root.Text;
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
                return field.Name ?? "?";
            }
        }

        return null;
    }

    /// <summary>
    /// At most maxPathLength elements: the first and the last ones, with a count of those in between. An object deeper
    /// in a chain than the walk keeps a path for has <paramref name="skipped"/> links unknown after the root.
    /// </summary>
    private List<string> Shorten(List<string> elements, long skipped)
    {
        if (skipped > 0)
        {
            var kept = Math.Max(1, Math.Min(elements.Count - 1, maxPathLength - 2));
            var hidden = skipped + (elements.Count - 1 - kept);
            return [elements[0], string.Create(CultureInfo.InvariantCulture, $"… {hidden:N0} more …"), .. elements.TakeLast(kept)];
        }

        if (elements.Count <= maxPathLength || maxPathLength < 3)
        {
            return elements;
        }

        var head = maxPathLength / 2;
        var tail = maxPathLength - head - 1;
        return [.. elements.Take(head), $"… {elements.Count - head - tail} more …", .. elements.TakeLast(tail)];
    }
}
