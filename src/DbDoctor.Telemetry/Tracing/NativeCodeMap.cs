namespace DbDoctor.Telemetry.Tracing;

/// <summary>A call site in IL terms: the method (its metadata token in its module) and the IL offset of the call.</summary>
public readonly record struct ILCallSite(int MethodToken, int ILOffset);

/// <summary>
/// The JIT's native code of the target's methods, from the runtime's method load and IL-to-native map events (live, and
/// from a rundown for what was compiled before tracing began): which code version lies at an address, and which IL
/// offset its native code came from. The two events of one code version are paired by method id and code version id:
/// the JIT sends the load first, the rundown the map first. Thread-safe.
/// </summary>
public sealed class NativeCodeMap
{
    // The runtime's special IL offsets (ICorDebugInfo): no IL, prolog, epilog.
    private const int NoMapping = -1;

    private readonly object _gate = new();
    private readonly Dictionary<(long MethodId, long VersionId), Load> _loadsWaiting = [];
    private readonly Dictionary<(long MethodId, long VersionId), Boundary[]> _mapsWaiting = [];
    private readonly List<CodeVersion> _byStart = [];

    /// <summary>Code versions whose map arrived: the ones an address can be resolved in.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byStart.Count;
            }
        }
    }

    /// <summary>A method's native code was published (JIT event or rundown): where it lies and which method it is.</summary>
    public void MethodLoaded(long methodId, long versionId, ulong start, int size, int methodToken)
    {
        if (size <= 0)
        {
            return;
        }

        var load = new Load(start, size, methodToken);
        lock (_gate)
        {
            if (_mapsWaiting.Remove((methodId, versionId), out var map))
            {
                Add(new CodeVersion(load, map));
            }
            else
            {
                _loadsWaiting[(methodId, versionId)] = load;
            }
        }
    }

    /// <summary>A code version's IL-to-native map: parallel arrays, each IL offset with the native offset its code starts at.</summary>
    public void ILMapped(long methodId, long versionId, IReadOnlyList<int> ilOffsets, IReadOnlyList<int> nativeOffsets)
    {
        ArgumentNullException.ThrowIfNull(ilOffsets);
        ArgumentNullException.ThrowIfNull(nativeOffsets);
        var count = Math.Min(ilOffsets.Count, nativeOffsets.Count);
        var map = new Boundary[count];
        for (var i = 0; i < count; i++)
        {
            map[i] = new Boundary(nativeOffsets[i], ilOffsets[i]);
        }

        // Stable: entries that share a native offset keep the JIT's order, and the last of them wins the lookup.
        map = [.. map.OrderBy(b => b.Native)];
        lock (_gate)
        {
            if (_loadsWaiting.Remove((methodId, versionId), out var load))
            {
                Add(new CodeVersion(load, map));
            }
            else
            {
                _mapsWaiting[(methodId, versionId)] = map;
            }
        }
    }

    /// <summary>
    /// The IL call site a frame's return address belongs to. The return address is the instruction after the call, which
    /// may already be the next statement's code: the byte before it is the call's own. Null for an address in no known
    /// code version, or in code the JIT mapped to no IL (prolog, epilog, stubs).
    /// </summary>
    public ILCallSite? CallSiteAt(ulong returnAddress)
    {
        if (returnAddress == 0)
        {
            return null;
        }

        var address = returnAddress - 1;
        lock (_gate)
        {
            var index = LastStartAtOrBelow(address);
            if (index < 0)
            {
                return null;
            }

            var version = _byStart[index];
            var offset = address - version.Load.Start;
            if (offset >= (ulong)version.Load.Size)
            {
                return null;
            }

            var il = ILOffsetAt(version.Map, (int)offset);
            return il is >= 0 ? new ILCallSite(version.Load.MethodToken, il.Value) : null;
        }
    }

    private static int? ILOffsetAt(Boundary[] map, int nativeOffset)
    {
        int? il = null;
        foreach (var boundary in map)
        {
            if (boundary.Native > nativeOffset)
            {
                break;
            }

            il = boundary.IL;
        }

        return il is NoMapping or null ? null : il;
    }

    private void Add(CodeVersion version)
    {
        var index = LastStartAtOrBelow(version.Load.Start);
        if (index >= 0 && _byStart[index].Load.Start == version.Load.Start)
        {
            // Code memory reused (a collectible assembly unloaded): the newest code is what runs there now.
            _byStart[index] = version;
            return;
        }

        _byStart.Insert(index + 1, version);
    }

    private int LastStartAtOrBelow(ulong address)
    {
        int low = 0, high = _byStart.Count - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_byStart[middle].Load.Start <= address)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }

    private readonly record struct Load(ulong Start, int Size, int MethodToken);

    private readonly record struct Boundary(int Native, int IL);

    private sealed record CodeVersion(Load Load, Boundary[] Map);
}
