using System.Buffers.Binary;
using DbDoctor.Heap.Isolation;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// The runtime GC's pointer map of one object (its GCDesc), applied to a window of the object's bytes: the window may be
/// the whole object, or one chunk of a huge array, so that a walker never needs all of a wide object's references at once.
/// A reference belongs to the window its first byte lies in; over consecutive windows every reference is found exactly
/// once, in the same order as over the whole object (what ClrMD's GCDesc walk returns).
/// </summary>
[DumpReadingLayer]
internal static class GcDescWalk
{
    private const int PointerSize = 8;

    /// <summary>
    /// Appends the non-null references whose first byte is in [<paramref name="windowStart"/>, <paramref name="ownedEnd"/>)
    /// of an object of <paramref name="size"/> bytes. <paramref name="window"/> holds the object's bytes from
    /// <paramref name="windowStart"/> on (a little past <paramref name="ownedEnd"/>, so that a reference starting before it is
    /// whole; shorter when the dump ends early: references not wholly in it are left out). References in bytes
    /// [<paramref name="skipFrom"/>, <paramref name="skipTo"/>) are left out.
    /// </summary>
    public static void AddReferences(
        long[] series, long valueArrayStart, int[] pattern, long size,
        ReadOnlySpan<byte> window, long windowStart, long ownedEnd, ReferenceBuffer children, int skipFrom = 0, int skipTo = 0)
    {
        var readableEnd = windowStart + window.Length;
        for (var i = 0; i < series.Length; i += 2)
        {
            var offset = series[i];
            var stop = Math.Min(offset + series[i + 1] + size, size);
            if (offset < windowStart)
            {
                // Keep the series' own alignment: its references lie at offset + k pointers.
                offset += (windowStart - offset + PointerSize - 1) / PointerSize * PointerSize;
            }

            for (; offset >= 0 && offset + PointerSize <= stop && offset < ownedEnd; offset += PointerSize)
            {
                if (offset + PointerSize > readableEnd)
                {
                    break;
                }

                if (offset >= skipFrom && offset < skipTo)
                {
                    continue;
                }

                children.AddIfNotNull(BinaryPrimitives.ReadUInt64LittleEndian(window[(int)(offset - windowStart)..]));
            }
        }

        if (pattern.Length == 0)
        {
            return;
        }

        var position = valueArrayStart;
        var stride = 0L;
        for (var i = 0; i < pattern.Length; i += 2)
        {
            stride += ((long)pattern[i] * PointerSize) + pattern[i + 1];
        }

        if (position >= 0 && position < windowStart && stride > 0)
        {
            // Whole elements before the window hold nothing of it: jump over them instead of stepping through them.
            position += (windowStart - position) / stride * stride;
        }

        while (position >= 0 && position < size - PointerSize)
        {
            for (var i = 0; i < pattern.Length; i += 2)
            {
                var stop = position + ((long)pattern[i] * PointerSize);
                do
                {
                    if (position + PointerSize > size || position >= ownedEnd)
                    {
                        return;
                    }

                    if (position >= windowStart)
                    {
                        if (position + PointerSize > readableEnd)
                        {
                            return;
                        }

                        children.AddIfNotNull(BinaryPrimitives.ReadUInt64LittleEndian(window[(int)(position - windowStart)..]));
                    }

                    position += PointerSize;
                }
                while (position < stop);

                position += pattern[i + 1];
            }
        }
    }
}
