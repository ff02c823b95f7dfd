using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// Tolerant field reads for the driver knowledge files: a field that is missing (another driver version, another
/// layout) becomes one warning per type and field instead of an exception, and the fact stays partial.
/// </summary>
public sealed class FactReader
{
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly List<string> _warnings;

    public FactReader(ClrRuntime runtime, int maxSqlLength, List<string> warnings)
    {
        Runtime = runtime;
        MaxSqlLength = maxSqlLength;
        _warnings = warnings;
    }

    public ClrRuntime Runtime { get; }

    /// <summary>SQL text longer than this is cut (with "…").</summary>
    public int MaxSqlLength { get; }

    public ClrObject GetObject(ulong address) => Runtime.Heap.GetObject(address);

    public T? Read<T>(ClrObject obj, string field) where T : unmanaged
    {
        if (obj.IsNull || obj.Type?.GetFieldByName(field) is not { } f)
        {
            Missing(obj, field);
            return null;
        }

        return f.Read<T>(obj.Address, interior: false);
    }

    /// <summary>Reads the first of several candidate fields that exists (names moved between driver versions).</summary>
    public T? ReadAny<T>(ClrObject obj, params string[] fields) where T : unmanaged
    {
        foreach (var field in fields)
        {
            if (!obj.IsNull && obj.Type?.GetFieldByName(field) is { } f)
            {
                return f.Read<T>(obj.Address, interior: false);
            }
        }

        Missing(obj, string.Join("|", fields));
        return null;
    }

    public ClrObject ReadObject(ClrObject obj, string field)
    {
        if (obj.IsNull || obj.Type?.GetFieldByName(field) is not { IsObjectReference: true } reference)
        {
            Missing(obj, field);
            return default;
        }

        return ReferenceFields.Read(Runtime.Heap, obj, reference);
    }

    /// <summary>Like <see cref="ReadObject"/> but silent when the field does not exist (optional knowledge).</summary>
    public ClrObject ReadOptionalObject(ClrObject obj, string field) => ReferenceFields.Read(Runtime.Heap, obj, field);

    public string? ReadString(ClrObject obj, string field, int? maxLength = null)
    {
        var value = ReadObject(obj, field);
        if (value.IsNull || value.Type?.IsString != true)
        {
            return null;
        }

        var text = value.AsString(maxLength is null ? 4096 : maxLength.Value + 1);
        return text is not null && maxLength is not null && text.Length > maxLength
            ? string.Concat(text.AsSpan(0, maxLength.Value), "…")
            : text;
    }

    /// <summary>The target of a WeakReference / WeakReference&lt;T&gt;, or null when it was collected.</summary>
    public ClrObject ReadWeakReferenceTarget(ClrObject weakReference)
    {
        if (weakReference.IsNull)
        {
            return default;
        }

        var handle = ReadAny<nuint>(weakReference, "_taggedHandle", "_handle", "m_handle");
        if (handle is null or 0)
        {
            return default;
        }

        // The low bit tags "track resurrection"; the handle slot holds the object address.
        var slot = (ulong)handle.Value & ~1UL;
        var target = Runtime.DataTarget.DataReader.ReadPointer(slot);
        return target == 0 ? default : Runtime.Heap.GetObject(target);
    }

    /// <summary>Number of elements of a List&lt;T&gt; (its _size).</summary>
    public int? ReadListCount(ClrObject list) => list.IsNull ? null : Read<int>(list, "_size");

    /// <summary>Number of nodes of a ConcurrentStack&lt;T&gt; (a linked list from _head through _next).</summary>
    public int? ReadConcurrentStackCount(ClrObject stack)
    {
        if (stack.IsNull)
        {
            return null;
        }

        var count = 0;
        var node = ReadObject(stack, "_head");
        while (!node.IsNull && count < 1_000_000)
        {
            count++;
            node = ReadObject(node, "_next");
        }

        return count;
    }

    /// <summary>Number of elements of a Stack&lt;T&gt; (an array and its _size).</summary>
    public int? ReadStackCount(ClrObject stack) => stack.IsNull ? null : Read<int>(stack, "_size");

    /// <summary>Non-null element addresses of an object array.</summary>
    public IEnumerable<ulong> ReadArrayElements(ClrObject array)
    {
        if (array.IsNull || !array.IsArray)
        {
            yield break;
        }

        var a = array.AsArray();
        for (var i = 0; i < a.Length; i++)
        {
            var element = a.GetObjectValue(i);
            if (!element.IsNull)
            {
                yield return element.Address;
            }
        }
    }

    public void Warn(string message)
    {
        if (_warned.Add(message))
        {
            _warnings.Add(message);
        }
    }

    private void Missing(ClrObject obj, string field)
    {
        if (obj.IsNull)
        {
            return;
        }

        Warn($"Field '{field}' not found on {obj.Type?.Name ?? "an unknown type"}: the driver's layout differs from what DbDoctor knows; facts from it are incomplete.");
    }
}
