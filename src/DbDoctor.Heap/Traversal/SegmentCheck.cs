using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// The heap segments whose memory the dump actually holds. A segment whose range is larger than the whole dump, or
/// whose first and last words cannot be read, was described by corrupt data: walking it would read nothing (or
/// allocate mark bits for petabytes), so it is left out and counted, and the report says the heap was not fully read.
/// </summary>
internal static class SegmentCheck
{
    public static (List<MemoryRange> Readable, int Unreadable) Split(ClrHeap heap, long dumpBytes)
    {
        var reader = heap.Runtime.DataTarget.DataReader;
        var readable = new List<MemoryRange>();
        var unreadable = 0;
        Span<byte> word = stackalloc byte[8];
        foreach (var segment in heap.Segments)
        {
            var range = segment.ObjectRange;
            if (range.End <= range.Start)
            {
                continue;
            }

            var length = range.End - range.Start;
            if (length > (ulong)dumpBytes || reader.Read(range.Start, word) != word.Length || reader.Read(range.End - 8, word) != word.Length)
            {
                unreadable++;
                continue;
            }

            readable.Add(range);
        }

        return (readable, unreadable);
    }
}
