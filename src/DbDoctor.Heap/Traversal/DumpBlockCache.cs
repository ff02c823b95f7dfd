using DbDoctor.Heap.Isolation;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// A small direct-mapped cache of dump memory in 32 KB blocks (1 MB in all). Dump memory never changes, so a cached
/// block is always right; what the cache buys is fewer reads of the dump file. Requests bigger than a block, and blocks
/// the dump does not fully contain, go straight to the reader.
/// </summary>
[DumpReadingLayer]
internal sealed class DumpBlockCache
{
    private const int BlockShift = 15;
    private const int BlockSize = 1 << BlockShift;
    private const int Slots = 32;

    private readonly IDataReader _reader;
    private readonly byte[][] _blocks = new byte[Slots][];
    private readonly ulong[] _tags = new ulong[Slots];
    private readonly int[] _valid = new int[Slots];

    public DumpBlockCache(IDataReader reader)
    {
        _reader = reader;
        Array.Fill(_tags, ulong.MaxValue);
    }

    public int Read(ulong address, Span<byte> destination)
    {
        if (destination.Length > BlockSize)
        {
            return _reader.Read(address, destination);
        }

        var done = 0;
        while (done < destination.Length)
        {
            var at = address + (ulong)done;
            var blockStart = at & ~(ulong)(BlockSize - 1);
            var slot = (int)((at >> BlockShift) & (Slots - 1));
            if (_tags[slot] != blockStart)
            {
                _blocks[slot] ??= GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
                _valid[slot] = Math.Max(0, _reader.Read(blockStart, _blocks[slot]));
                _tags[slot] = blockStart;
            }

            var offset = (int)(at - blockStart);
            var available = _valid[slot] - offset;
            if (available <= 0)
            {
                // The block's start is not in the dump (or it ends early): ask the reader for exactly what is wanted.
                return done + Math.Max(0, _reader.Read(at, destination[done..]));
            }

            var count = Math.Min(available, destination.Length - done);
            _blocks[slot].AsSpan(offset, count).CopyTo(destination[done..]);
            done += count;
        }

        return done;
    }
}
