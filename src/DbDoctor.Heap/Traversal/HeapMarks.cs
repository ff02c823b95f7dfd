using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>
/// Two mark bits per 8-byte heap granule, one bitset per segment: "reached from an application root" and "live".
/// Objects are 8-byte aligned on 64-bit, so (address - segment start) / 8 identifies an object without any
/// per-object dictionary; memory is 2 bits per 8 bytes of heap (1/32 of the heap size).
/// </summary>
internal sealed class HeapMarks
{
    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly ulong[][] _app;
    private readonly ulong[][] _live;
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
        _live = new ulong[ranges.Length][];
        for (var i = 0; i < ranges.Length; i++)
        {
            _starts[i] = ranges[i].Start;
            _ends[i] = ranges[i].End;
            var words = (long)(((ranges[i].End - ranges[i].Start) / 8 + 63) / 64);
            _app[i] = new ulong[words];
            _live[i] = new ulong[words];
        }
    }

    public int SegmentCount => _starts.Length;

    /// <summary>Sets the application bit (and live bit). False when it was already set or the address is not on the heap.</summary>
    public bool TryMarkApplication(ulong address) => TryMark(address, application: true);

    /// <summary>Sets the live bit. False when it was already set or the address is not on the heap.</summary>
    public bool TryMarkLive(ulong address) => TryMark(address, application: false);

    public bool IsApplicationReached(ulong address) => Test(address, _app);

    public bool IsLive(ulong address) => Test(address, _live);

    private bool TryMark(ulong address, bool application)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var bit = (address - _starts[segment]) / 8;
        var word = (long)(bit >> 6);
        var mask = 1UL << (int)(bit & 63);
        if (application)
        {
            ref var appWord = ref _app[segment][word];
            if ((appWord & mask) != 0)
            {
                return false;
            }

            appWord |= mask;
            _live[segment][word] |= mask;
            return true;
        }

        ref var liveWord = ref _live[segment][word];
        if ((liveWord & mask) != 0)
        {
            return false;
        }

        liveWord |= mask;
        return true;
    }

    private bool Test(ulong address, ulong[][] plane)
    {
        var segment = FindSegment(address);
        if (segment < 0)
        {
            return false;
        }

        var bit = (address - _starts[segment]) / 8;
        return (plane[segment][(long)(bit >> 6)] & (1UL << (int)(bit & 63))) != 0;
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
