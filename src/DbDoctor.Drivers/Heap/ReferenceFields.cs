using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// Reads reference fields without ClrMD's ReadObjectField, which first resolves the field's declared type: for a field of
/// a generic type (ConcurrentStack&lt;T&gt;._head, List&lt;T&gt;._items) that builds views of a whole module's types, megabytes
/// of dbdoctor's peak memory (bench/RESULTS.md) for a type the target object's own header names anyway.
/// </summary>
public static class ReferenceFields
{
    /// <summary>The object the named field points to; a null object when the field is missing, not a reference, or null.</summary>
    public static ClrObject Read(ClrHeap heap, ClrObject obj, string fieldName) =>
        !obj.IsNull && obj.Type?.GetFieldByName(fieldName) is { IsObjectReference: true } field ? Read(heap, obj, field) : default;

    public static ClrObject Read(ClrHeap heap, ClrObject obj, ClrInstanceField field)
    {
        var target = heap.Runtime.DataTarget.DataReader.ReadPointer(field.GetAddress(obj.Address));

        // A target whose type cannot be read (a dump without heap memory, a torn object) is nothing the analysis can use;
        // ClrHeap.GetObject would throw on it.
        return target != 0 && heap.GetObjectType(target) is { } type ? heap.GetObject(target, type) : default;
    }
}
