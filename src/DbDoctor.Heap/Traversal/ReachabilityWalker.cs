using DbDoctor.Drivers;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Traversal;

/// <summary>An object of interest as first seen by the traversal.</summary>
internal sealed class InterestRecord(ulong address, ClrType type, TypeRole role, bool reachedByApplication, RootEntry root, ulong[]? path, long pathSkipped = 0)
{
    public ulong Address { get; } = address;
    public ClrType Type { get; } = type;
    public TypeRole Role { get; } = role;

    /// <summary>First marked from an application root, without passing through driver internals.</summary>
    public bool ReachedByApplication { get; } = reachedByApplication;
    public RootEntry Root { get; } = root;

    /// <summary>Object addresses from the root object to this object (application phase only).</summary>
    public ulong[]? Path { get; } = path;

    /// <summary>Objects between the root and <see cref="Path"/>'s first one that the path leaves out (a chain deeper than the walk's stack).</summary>
    public long PathSkipped { get; } = pathSkipped;
}

/// <summary>
/// The one reachability traversal. Phase A marks from application roots and stops at barriers (driver-internal
/// objects, driver timers): whatever it reaches, the application can still reach. Phase B continues from the
/// barriers and the driver's own roots with the live bit only, never revisiting. The DFS frame stack is the current
/// path, so an object of interest gets its root path for free when it is first marked.
/// Memory does not grow with the shape of the graph: a huge array's references are read a chunk at a time as the walk
/// gets to them (<see cref="ObjectScanner.ReadChunk"/>), and below <see cref="MaxDepth"/> frames the children of the
/// deepest frame are set aside and visited once the stack has unwound (same phase, same root), so a long chain never
/// needs a frame per link. Their root path then starts where the stack was cut (<see cref="InterestRecord.PathSkipped"/>).
/// </summary>
internal sealed class ReachabilityWalker
{
    private readonly ClrHeap _heap;
    private HeapMarks _marks = null!;
    private readonly TypeRoleCache _roles;
    private readonly ObjectScanner _scanner;
    private readonly List<ulong> _barriers = [];

    /// <summary>The deepest the frame stack gets (a chunked huge array may go past it; nothing else does).</summary>
    public const int MaxDepth = 10_000;

    // Objects to visit once the stack has unwound, with the length of the path cut off above them.
    private readonly List<(ulong Address, long PathSkipped)> _deferred = [];
    private long _pathSkipped;

    // Finished async methods' state machines met in phase A: expanded first in phase B, under their own name.
    private readonly List<RootEntry> _leftovers = [];

    // DFS state: frame i expands _frameObjects[i]; its children are _children[_frameFirst[i].._frameEnd[i]) and
    // _frameNext[i] is the next one to visit. Popping a frame releases its part of the shared child buffer.
    private ulong[] _frameObjects = new ulong[256];
    private int[] _frameFirst = new int[256];
    private int[] _frameNext = new int[256];
    private int[] _frameEnd = new int[256];

    // For a huge object read in chunks: its layout, its size and where its next chunk starts (0 and 0 for other frames).
    private ObjectLayout?[] _frameLayout = new ObjectLayout?[256];
    private ulong[] _frameSize = new ulong[256];
    private ulong[] _frameChunkAt = new ulong[256];
    private readonly ReferenceBuffer _children = new();
    private int _depth;

    private bool _applicationPhase;
    private RootEntry _currentRoot = null!;

    public ReachabilityWalker(ClrHeap heap, TypeRoleCache roles)
    {
        _heap = heap;
        _roles = roles;
        _scanner = new ObjectScanner(heap, roles);
    }

    public Dictionary<ulong, InterestRecord> Interesting { get; } = [];

    /// <summary>Payload objects (pools, factories) of driver timers reached from the timer queue.</summary>
    public HashSet<ulong> TimerPayloads { get; } = [];

    public long LiveObjects { get; private set; }

    public long LiveBytes { get; private set; }

    /// <summary>References to objects that could not be read: no valid method table, a size past its segment, or an address on no segment.</summary>
    public long UnreadableObjects { get; private set; }

    /// <summary>Marks everything the roots reach; the marks are only needed during the walk (records keep what counts).</summary>
    public void Run(HeapMarks marks, IReadOnlyList<RootEntry> roots, IProgress<string>? progress)
    {
        _marks = marks;
        _applicationPhase = true;
        foreach (var root in roots.Where(r => r.IsApplication))
        {
            _currentRoot = root;
            Visit(root.Object);
            Drain();
        }

        progress?.Report($"Application roots reach {LiveObjects:N0} objects; following driver roots.");
        _applicationPhase = false;

        // Leftovers first: what they reach is orphaned anyway, and this way its record can say which leftover also points at it.
        // The application's own finished methods before the runtime frames finishing their tasks: the evidence names the first.
        foreach (var root in roots.Where(r => r.Source == RootSource.FinishedAsyncStack).OrderBy(r => r.StackMethod is { } m && m.StartsWith("System.", StringComparison.Ordinal)))
        {
            _currentRoot = root;
            Visit(root.Object);
            Drain();
        }

        foreach (var leftover in _leftovers)
        {
            _currentRoot = leftover;
            Expand(leftover.Object);
        }

        foreach (var root in roots.Where(r => !r.IsApplication && r.Source != RootSource.FinishedAsyncStack))
        {
            _currentRoot = root;
            Visit(root.Object);
            Drain();
        }

        // Barriers were marked but not expanded in phase A: what they reference is reachable, but only via the driver.
        _currentRoot = new RootEntry(0, "driver internals", RootSource.DriverStatic, null);
        foreach (var barrier in _barriers)
        {
            Expand(barrier);
        }
    }

    /// <summary>Follows the references of an object that is already marked.</summary>
    private void Expand(ulong address)
    {
        var start = _children.Count;
        if (_scanner.Read(address, out var size, _children) is { } layout)
        {
            if (ObjectScanner.IsChunked(layout, size))
            {
                PushChunkedFrame(address, layout, size);
            }
            else
            {
                PushFrame(address, start);
            }

            Drain();
        }
    }

    /// <summary>Runs the search until the stack is empty and nothing set aside is left.</summary>
    private void Drain()
    {
        while (true)
        {
            while (_depth > 0)
            {
                var top = _depth - 1;
                if (_frameNext[top] < _frameEnd[top])
                {
                    Visit(_children[_frameNext[top]++]);
                }
                else if (_frameChunkAt[top] < _frameSize[top])
                {
                    // Everything above this frame has been popped: its next chunk reuses its part of the buffer.
                    _children.Count = _frameFirst[top];
                    _frameChunkAt[top] = _scanner.ReadChunk(_frameObjects[top], _frameLayout[top]!, _frameSize[top], _frameChunkAt[top], _children);
                    _frameEnd[top] = _children.Count;
                    _frameNext[top] = _frameFirst[top];
                }
                else
                {
                    _children.Count = _frameFirst[top];
                    _frameLayout[top] = null;
                    _frameSize[top] = _frameChunkAt[top] = 0;
                    _depth--;
                }
            }

            if (_deferred.Count == 0)
            {
                _pathSkipped = 0;
                return;
            }

            (var next, _pathSkipped) = _deferred[^1];
            _deferred.RemoveAt(_deferred.Count - 1);
            Visit(next);
        }
    }

    private void Visit(ulong address)
    {
        var isNew = _applicationPhase ? _marks.TryMarkApplication(address) : _marks.TryMarkLive(address);
        if (!isNew)
        {
            UnreadableObjects += _marks.LastWasOffHeap ? 1 : 0;
            return;
        }

        // The object's references are read with it; they are dropped again below when it is not expanded.
        var childrenStart = _children.Count;
        var segmentEnd = _marks.LastSegmentEnd;
        var layout = _scanner.Read(address, out var size, _children);
        if (layout is null || size > segmentEnd - address)
        {
            _children.Count = childrenStart;
            UnreadableObjects++;
            return;
        }

        LiveObjects++;
        LiveBytes += (long)size;

        var type = layout.Type;
        var role = layout.Role;
        if (role.IsInteresting)
        {
            Record(address, type, role);
        }

        if (_applicationPhase)
        {
            if (role.Async is { } shape && FinishedAsync.IsFinished(_heap.GetObject(address, type), shape))
            {
                // Its hoisted locals are dead: phase B follows them. A box is also the Task: its result still counts.
                _children.Count = childrenStart;
                _leftovers.Add(new RootEntry(address, FinishedAsync.Finished(LeftoverName(address, shape)), RootSource.FinishedAsyncStack, null));
                if (shape.IsBox)
                {
                    _scanner.Read(address, out _, _children, shape.SkipFrom, shape.SkipTo);
                    if (_children.Count > childrenStart)
                    {
                        PushFrame(address, childrenStart);
                    }
                }

                return;
            }

            if (role.Barrier)
            {
                _children.Count = childrenStart;
                _barriers.Add(address);
                return;
            }

            if (role.IsTimer && IsDriverTimer(address))
            {
                // Keep walking the timer queue's linked list, but not into the driver's payload (phase B does that).
                _children.Count = childrenStart;
                _barriers.Add(address);
                foreach (var linked in TimerLinks(_heap.GetObject(address, type)))
                {
                    _children.AddIfNotNull(linked);
                }

                PushFrame(address, childrenStart);
                return;
            }
        }

        if (_children.Count > childrenStart)
        {
            PushFrame(address, childrenStart);
        }
        else if (ObjectScanner.IsChunked(layout, size))
        {
            PushChunkedFrame(address, layout, size);
        }
    }

    private string LeftoverName(ulong address, AsyncShape shape)
    {
        if (!shape.IsBox)
        {
            return shape.MethodName;
        }

        // A class state machine in a box: the field's declared type is shared generic code; the object says which method.
        var inner = ReferenceFields.Read(_heap, _heap.GetObject(address), "StateMachine");
        return FinishedAsync.MethodOf(inner.Type?.Name) ?? shape.MethodName;
    }

    private static readonly string[] TimerLinkFields = ["_next", "_prev", "_associatedTimerQueue"];

    private IEnumerable<ulong> TimerLinks(ClrObject timer)
    {
        foreach (var field in TimerLinkFields)
        {
            if (ReferenceFields.Read(_heap, timer, field) is { IsNull: false } linked)
            {
                yield return linked.Address;
            }
        }
    }

    /// <summary>
    /// Makes the object the top frame; its children are the buffer's entries from <paramref name="firstChild"/> on. At
    /// <see cref="MaxDepth"/> the children are set aside instead, to be visited when the stack has unwound.
    /// </summary>
    private void PushFrame(ulong address, int firstChild)
    {
        if (_depth >= MaxDepth)
        {
            for (var i = _children.Count - 1; i >= firstChild; i--)
            {
                _deferred.Add((_children[i], _pathSkipped + _depth + 1));
            }

            _children.Count = firstChild;
            return;
        }

        GrowFrames();
        _frameObjects[_depth] = address;
        _frameNext[_depth] = firstChild;
        _frameFirst[_depth] = firstChild;
        _frameEnd[_depth] = _children.Count;
        _depth++;
    }

    /// <summary>Makes a huge object the top frame, with no children read yet: <see cref="Drain"/> reads them a chunk at a time.</summary>
    private void PushChunkedFrame(ulong address, ObjectLayout layout, ulong size)
    {
        GrowFrames();
        _frameObjects[_depth] = address;
        _frameFirst[_depth] = _frameNext[_depth] = _frameEnd[_depth] = _children.Count;
        _frameLayout[_depth] = layout;
        _frameSize[_depth] = size;
        _frameChunkAt[_depth] = 0;
        _depth++;
    }

    private void GrowFrames()
    {
        if (_depth < _frameObjects.Length)
        {
            return;
        }

        var length = _depth * 2;
        Array.Resize(ref _frameObjects, length);
        Array.Resize(ref _frameNext, length);
        Array.Resize(ref _frameFirst, length);
        Array.Resize(ref _frameEnd, length);
        Array.Resize(ref _frameLayout, length);
        Array.Resize(ref _frameSize, length);
        Array.Resize(ref _frameChunkAt, length);
    }

    private void Record(ulong address, ClrType type, TypeRole role)
    {
        if (Interesting.ContainsKey(address))
        {
            return;
        }

        ulong[]? path = null;
        if (_applicationPhase)
        {
            path = new ulong[_depth + 1];
            Array.Copy(_frameObjects, path, _depth);
            path[_depth] = address;
        }

        Interesting[address] = new InterestRecord(address, type, role, _applicationPhase, _currentRoot, path, _applicationPhase ? _pathSkipped : 0);
    }

    /// <summary>
    /// A timer whose state or callback target is driver-internal (pool pruning, cleanup) is the driver's own root:
    /// the timer queue is a runtime static, but nothing of the application's is behind it.
    /// </summary>
    private bool IsDriverTimer(ulong timerAddress)
    {
        var timer = _heap.GetObject(timerAddress);
        var state = ReferenceFields.Read(_heap, timer, "_state");
        var callback = ReferenceFields.Read(_heap, timer, "_timerCallback");
        var target = ReferenceFields.Read(_heap, callback, "_target");
        var isDriver = false;
        foreach (var payload in (ReadOnlySpan<ClrObject>)[state, target])
        {
            if (!payload.IsNull && payload.Type is { } t && _roles.Get(t).Driver is not null)
            {
                TimerPayloads.Add(payload.Address);
                isDriver = true;
            }
        }

        return isDriver;
    }
}
