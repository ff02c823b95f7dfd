using System.Buffers.Binary;
using DbDoctor.Heap.Isolation;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>What the traversal needs of one method table, computed once: its type, role, size rule and pointer layout.</summary>
internal sealed class ObjectLayout
{
    public ObjectLayout(ClrType type, TypeRole role, long[] series, long valueArrayStart, int[] valueArrayPattern)
    {
        Type = type;
        Role = role;
        Series = series;
        ValueArrayStart = valueArrayStart;
        ValueArrayPattern = valueArrayPattern;
    }

    public ClrType Type { get; }
    public TypeRole Role { get; }

    /// <summary>Pairs (offset, size adjustment) of the runtime's GCDesc series, nearest the method table first.</summary>
    public long[] Series { get; }

    /// <summary>For arrays of structs holding references (negative series count): where the first element's pointers start.</summary>
    public long ValueArrayStart { get; }

    /// <summary>Pairs (pointer count, bytes to skip) repeated over the elements of an array of structs.</summary>
    public int[] ValueArrayPattern { get; }

    public bool ContainsPointers => Series.Length > 0 || ValueArrayPattern.Length > 0;
}

/// <summary>
/// Reads objects straight from the dump for the traversal: method table, size and outgoing references, decoded from the
/// runtime's GCDesc into a caller-owned buffer. It does what ClrObject.EnumerateReferenceAddresses does (same references,
/// same order) without allocating an enumerator per object, and with one type lookup per object instead of three: on a
/// heap of millions of objects that allocation was most of the analysis's garbage, and garbage is resident memory.
/// Reads go through <see cref="DumpBlockCache"/>: one read of the dump per object is one system call, and a traversal
/// visits neighbours of recent objects far more often than not.
/// </summary>
[DumpReadingLayer]
internal sealed class ObjectScanner
{
    private const int PointerSize = 8;

    // Small objects are read whole with their method table in one call; bigger ones get a second read for the rest.
    private const int FirstReadBytes = 128;

    /// <summary>
    /// Objects bigger than this (huge arrays) have their references read in chunks of this size as the walk gets to them,
    /// so neither the read buffer nor the walk's list of pending references grows with the widest object in the heap.
    /// </summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly ClrHeap _heap;
    private readonly IDataReader _reader;
    private readonly DumpBlockCache _memory;
    private readonly TypeRoleCache _roles;
    private readonly Dictionary<ulong, ObjectLayout?> _layouts = [];
    private byte[] _buffer = new byte[4096];
    private readonly byte[] _chunk = new byte[ChunkBytes + PointerSize];

    public ObjectScanner(ClrHeap heap, TypeRoleCache roles)
    {
        _heap = heap;
        _reader = heap.Runtime.DataTarget.DataReader;
        _memory = new DumpBlockCache(_reader);
        _roles = roles;
    }

    /// <summary>
    /// Reads the object at <paramref name="address"/>: its layout (null when the address holds no valid object) and size.
    /// When <paramref name="children"/> is given, appends every non-null reference the object holds to it, unless the object
    /// is read in chunks (<see cref="IsChunked"/>): then the caller reads them with <see cref="ReadChunk"/>.
    /// </summary>
    public ObjectLayout? Read(ulong address, out ulong size, ReferenceBuffer? children) => Read(address, out size, children, 0, 0);

    /// <summary>Like <see cref="Read(ulong, out ulong, ReferenceBuffer?)"/>, leaving out references stored in bytes [skipFrom, skipTo) of the object.</summary>
    public ObjectLayout? Read(ulong address, out ulong size, ReferenceBuffer? children, int skipFrom, int skipTo)
    {
        size = 0;
        var read = _memory.Read(address, _buffer.AsSpan(0, FirstReadBytes));
        if (read < PointerSize)
        {
            return null;
        }

        // The low bits of a method table pointer are GC mark/pin bits in a dump written mid-GC.
        var methodTable = BinaryPrimitives.ReadUInt64LittleEndian(_buffer) & ~7UL;
        var layout = GetLayout(methodTable);
        if (layout is null)
        {
            return null;
        }

        size = layout.Type.ComponentSize == 0 ? (ulong)layout.Type.StaticSize : ArrayOrStringSize(layout, address, read);
        if (children is null || !layout.ContainsPointers || IsChunked(layout, size))
        {
            return layout;
        }

        var length = (int)size;
        if (length > read)
        {
            if (length > _buffer.Length)
            {
                var grown = new byte[Math.Max(length, _buffer.Length * 2)];
                _buffer.AsSpan(0, read).CopyTo(grown);
                _buffer = grown;
            }

            read += _memory.Read(address + (ulong)read, _buffer.AsSpan(read, length - read));
        }

        if (read > PointerSize)
        {
            AddReferences(layout, _buffer.AsSpan(0, Math.Min(read, length)), children, skipFrom, skipTo);
        }

        return layout;
    }

    /// <summary>ClrObject.Size's rule: base size plus elements; a string also counts its terminating NUL; at least 3 pointers.</summary>
    private ulong ArrayOrStringSize(ObjectLayout layout, ulong address, int read)
    {
        if (read < 2 * PointerSize)
        {
            return _heap.GetObject(address, layout.Type).Size;
        }

        ulong count = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(PointerSize));
        if (layout.Type.IsString)
        {
            count++;
        }

        var size = (ulong)layout.Type.StaticSize + (count * (ulong)layout.Type.ComponentSize);
        return Math.Max(size, 3 * PointerSize);
    }

    private ObjectLayout? GetLayout(ulong methodTable)
    {
        if (!_layouts.TryGetValue(methodTable, out var layout))
        {
            layout = CreateLayout(methodTable);
            _layouts[methodTable] = layout;
        }

        return layout;
    }

    private ObjectLayout? CreateLayout(ulong methodTable)
    {
        if (methodTable == 0 || _heap.GetTypeByMethodTable(methodTable) is not { } type)
        {
            return null;
        }

        var role = _roles.Get(type);
        if (!type.ContainsPointers)
        {
            return new ObjectLayout(type, role, [], 0, []);
        }

        // The GCDesc sits just below the method table: the series count, then the series, growing downwards.
        var count = (long)_reader.ReadPointer(methodTable - PointerSize);
        if (count > 0)
        {
            var series = new long[count * 2];
            for (var i = 0; i < count; i++)
            {
                var at = methodTable - PointerSize - ((ulong)(i + 1) * 2 * PointerSize);
                series[(2 * i) + 1] = (long)_reader.ReadPointer(at);
                series[2 * i] = (long)_reader.ReadPointer(at + PointerSize);
            }

            return new ObjectLayout(type, role, series, 0, []);
        }

        if (count < 0)
        {
            var start = (long)_reader.ReadPointer(methodTable - (2 * PointerSize));
            var pattern = new int[-count * 2];
            for (var i = 0; i < -count; i++)
            {
                var at = methodTable - (3 * PointerSize) - ((ulong)i * PointerSize);
                pattern[2 * i] = _reader.Read<int>(at);
                pattern[(2 * i) + 1] = _reader.Read<int>(at + 4);
            }

            return new ObjectLayout(type, role, [], start, pattern);
        }

        return new ObjectLayout(type, role, [], 0, []);
    }

    /// <summary>
    /// Appends the references in bytes [<paramref name="offset"/>, <paramref name="offset"/> + <see cref="ChunkBytes"/>) of a
    /// huge object (one <see cref="IsChunked"/> says so) and returns where the next chunk starts: the object's size when
    /// this was the last one, or when the dump ends inside the object.
    /// </summary>
    public ulong ReadChunk(ulong address, ObjectLayout layout, ulong size, ulong offset, ReferenceBuffer children)
    {
        var ownedEnd = Math.Min(size, offset + ChunkBytes);

        // A pointer that starts in this chunk may end in the next one: read one pointer past the chunk.
        var wanted = (int)(Math.Min(size, ownedEnd + PointerSize) - offset);
        var read = _memory.Read(address + offset, _chunk.AsSpan(0, wanted));
        if (read <= 0)
        {
            return size;
        }

        GcDescWalk.AddReferences(layout.Series, layout.ValueArrayStart, layout.ValueArrayPattern, (long)size,
            _chunk.AsSpan(0, read), (long)offset, (long)ownedEnd, children);
        return read < wanted ? size : ownedEnd;
    }

    /// <summary>Whether the object's references are read a chunk at a time (<see cref="ReadChunk"/>) rather than with it.</summary>
    public static bool IsChunked(ObjectLayout layout, ulong size) => size > ChunkBytes && layout.ContainsPointers;

    private static void AddReferences(ObjectLayout layout, ReadOnlySpan<byte> bytes, ReferenceBuffer children, int skipFrom, int skipTo) =>
        GcDescWalk.AddReferences(layout.Series, layout.ValueArrayStart, layout.ValueArrayPattern, bytes.Length, bytes, 0, bytes.Length, children, skipFrom, skipTo);
}

/// <summary>A growable list of object addresses that the traversal reuses for its whole run.</summary>
internal sealed class ReferenceBuffer
{
    private ulong[] _items = new ulong[4096];

    public int Count { get; set; }

    public ulong this[int index] => _items[index];

    public void AddIfNotNull(ulong address)
    {
        if (address == 0)
        {
            return;
        }

        if (Count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[Count++] = address;
    }
}
