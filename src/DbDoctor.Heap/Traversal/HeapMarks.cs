using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// Mark bits per 24-byte heap granule: "reached from an application root" and "live but reached only through the
/// driver". The smallest object is 24 bytes (3 pointers), so two objects never start in the same 24-byte granule:
/// (address - segment start) / 24 identifies an object without any per-object dictionary.
/// The application plane is one zeroed native block for the whole heap (1/192 of the heap size): pages of it that no
/// mark touches never become resident, and disposing returns it to the system at once, before the facts are read.
/// The driver-only plane is allocated per segment on first use: the driver reaches few objects the application does not.
/// </summary>
internal sealed unsafe class HeapMarks : IDisposable
{
    // The minimum object size on 64-bit; a division by a constant compiles to a multiplication.
    private const ulong GranuleBytes = 24;

    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly long[] _appFirstWord;
    private readonly ulong[]?[] _driverOnly;
    private ulong* _app;
    private int _lastSegment;

    public HeapMarks(IEnumerable<MemoryRange> segments)
    {
        var ranges = segments
            .Where(r => r.End > r.Start)
            .OrderBy(r => r.Start)
            .ToArray();
        _starts = new ulong[ranges.Length];
        _ends = new ulong[ranges.Length];
        _appFirstWord = new long[ranges.Length];
        _driverOnly = new ulong[ranges.Length][];
        var words = 0L;
        for (var i = 0; i < ranges.Length; i++)
        {
            _starts[i] = ranges[i].Start;
            _ends[i] = ranges[i].End;
            _appFirstWord[i] = words;
            words += WordsFor(i);
        }

        _app = (ulong*)NativeMemory.AllocZeroed((nuint)Math.Max(1, words), sizeof(ulong));
    }

    public int SegmentCount => _starts.Length;

    /// <summary>True when the last mark attempt was for an address outside every segment (a reference to nowhere).</summary>
    public bool LastWasOffHeap { get; private set; }

    /// <summary>The end of the segment of the object marked last: no object of it may extend past this.</summary>
    public ulong LastSegmentEnd => _ends[_lastSegment];

    /// <summary>Sets the application bit. False when the object was already marked or the address is not on the heap.</summary>
    public bool TryMarkApplication(ulong address)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var (word, mask) = Bit(segment, address);
        if (_driverOnly[segment] is { } driverOnly && (driverOnly[word] & mask) != 0)
        {
            return false;
        }

        ref var markWord = ref AppWord(segment, word);
        if ((markWord & mask) != 0)
        {
            return false;
        }

        markWord |= mask;
        return true;
    }

    /// <summary>Marks the object live (driver-only). False when it was already marked either way or is not on the heap.</summary>
    public bool TryMarkLive(ulong address)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var (word, mask) = Bit(segment, address);
        if ((AppWord(segment, word) & mask) != 0)
        {
            return false;
        }

        var bits = _driverOnly[segment] ??= new ulong[WordsFor(segment)];
        ref var markWord = ref bits[word];
        if ((markWord & mask) != 0)
        {
            return false;
        }

        markWord |= mask;
        return true;
    }

    public bool IsApplicationReached(ulong address)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var (word, mask) = Bit(segment, address);
        return (AppWord(segment, word) & mask) != 0;
    }

    public bool IsLive(ulong address)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var (word, mask) = Bit(segment, address);
        return (AppWord(segment, word) & mask) != 0 || (_driverOnly[segment] is { } bits && (bits[word] & mask) != 0);
    }

    public void Dispose()
    {
        if (_app is not null)
        {
            NativeMemory.Free(_app);
            _app = null;
        }
    }

    private long WordsFor(int segment) => (long)(((_ends[segment] - _starts[segment]) / GranuleBytes + 63) / 64);

    private (long Word, ulong Mask) Bit(int segment, ulong address)
    {
        var bit = (address - _starts[segment]) / GranuleBytes;
        return ((long)(bit >> 6), 1UL << (int)(bit & 63));
    }

    private ref ulong AppWord(int segment, long word)
    {
        ObjectDisposedException.ThrowIf(_app is null, this);
        return ref _app[_appFirstWord[segment] + word];
    }

    private int FindSegment(ulong address)
    {
        var last = _lastSegment;
        LastWasOffHeap = false;
        if (last < _starts.Length && address >= _starts[last] && address < _ends[last])
        {
            return last;
        }

        int lo = 0, hi = _starts.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (address < _starts[mid])
            {
                hi = mid - 1;
            }
            else if (address >= _ends[mid])
            {
                lo = mid + 1;
            }
            else
            {
                _lastSegment = mid;
                return mid;
            }
        }

        LastWasOffHeap = true;
        return -1;
    }
}
