using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// Mark bits per 24-byte heap granule, one bitset per segment: "reached from an application root" and "live but reached
/// only through the driver". The smallest object is 24 bytes (3 pointers), so two objects never start in the same
/// 24-byte granule: (address - segment start) / 24 identifies an object without any per-object dictionary. A segment's
/// bitset is allocated the first time something in it is marked: with .NET's regions, empty regions cost nothing, and
/// the driver-only plane stays small because the driver reaches few objects the application does not. Worst case
/// 2 bits per 24 bytes of heap (1/96 of the heap size).
/// </summary>
internal sealed class HeapMarks
{
    // The minimum object size on 64-bit; a division by a constant compiles to a multiplication.
    private const ulong GranuleBytes = 24;

    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly ulong[]?[] _app;
    private readonly ulong[]?[] _driverOnly;
    private int _lastSegment;

    public HeapMarks(IEnumerable<ClrSegment> segments)
    {
        var ranges = segments
            .Select(s => s.ObjectRange)
            .Where(r => r.End > r.Start)
            .OrderBy(r => r.Start)
            .ToArray();
        _starts = new ulong[ranges.Length];
        _ends = new ulong[ranges.Length];
        _app = new ulong[ranges.Length][];
        _driverOnly = new ulong[ranges.Length][];
        for (var i = 0; i < ranges.Length; i++)
        {
            _starts[i] = ranges[i].Start;
            _ends[i] = ranges[i].End;
        }
    }

    public int SegmentCount => _starts.Length;

    /// <summary>Sets the application bit. False when the object was already marked or the address is not on the heap.</summary>
    public bool TryMarkApplication(ulong address) => TryMark(address, _app, alsoMarkedIn: _driverOnly);

    /// <summary>Marks the object live (driver-only). False when it was already marked either way or is not on the heap.</summary>
    public bool TryMarkLive(ulong address) => TryMark(address, _driverOnly, alsoMarkedIn: _app);

    public bool IsApplicationReached(ulong address) => Test(address, _app);

    public bool IsLive(ulong address) => Test(address, _app) || Test(address, _driverOnly);

    private bool TryMark(ulong address, ulong[]?[] plane, ulong[]?[] alsoMarkedIn)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var bit = (address - _starts[segment]) / GranuleBytes;
        var word = (long)(bit >> 6);
        var mask = 1UL << (int)(bit & 63);
        if (alsoMarkedIn[segment] is { } other && (other[word] & mask) != 0)
        {
            return false;
        }

        var bits = plane[segment] ??= new ulong[((_ends[segment] - _starts[segment]) / GranuleBytes + 63) / 64];
        ref var markWord = ref bits[word];
        if ((markWord & mask) != 0)
        {
            return false;
        }

        markWord |= mask;
        return true;
    }

    private bool Test(ulong address, ulong[]?[] plane)
    {
        var segment = FindSegment(address);
        if (segment < 0 || plane[segment] is not { } bits)
        {
            return false;
        }

        var bit = (address - _starts[segment]) / GranuleBytes;
        return (bits[(long)(bit >> 6)] & (1UL << (int)(bit & 63))) != 0;
    }

    private int FindSegment(ulong address)
    {
        var last = _lastSegment;
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

        return -1;
    }
}
