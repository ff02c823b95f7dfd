using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>
/// Names the frames of an event's managed stack (from the live TraceLog's method and module information) and says
/// whose each frame is: the application's, a driver's (a registered driver's assembly), or the runtime's and
/// framework's. An application frame gets the file:line of its call (the JIT's IL map of its native code, then the
/// module's portable PDB) when both are known. Stacks are cached by their index: the same call site repeats for every
/// command.
/// </summary>
public sealed class FrameResolver
{
    private const int MaxFrames = 64;
    private readonly Dictionary<CallStackIndex, IReadOnlyList<TracedFrame>> _cache = [];
    private readonly Dictionary<ulong, SourceLine?> _lines = [];
    private readonly HashSet<string> _driverModules;
    private readonly NativeCodeMap? _code;
    private readonly PortablePdbLines? _pdbs;

    /// <param name="code">The target's JIT code and IL maps; without it (or <paramref name="pdbs"/>) frames carry no line.</param>
    public FrameResolver(DriverCatalog catalog, NativeCodeMap? code = null, PortablePdbLines? pdbs = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _code = code;
        _pdbs = pdbs;
        _driverModules = catalog.Profiles.SelectMany(p => p.AssemblyFileNames)
            .Select(Path.GetFileNameWithoutExtension).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The event's stack, innermost first; empty when the event carried none.</summary>
    public IReadOnlyList<TracedFrame> Resolve(TraceEvent data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var index = data.CallStackIndex();
        if (index == CallStackIndex.Invalid)
        {
            return [];
        }

        if (_cache.TryGetValue(index, out var cached))
        {
            return cached;
        }

        var frames = new List<TracedFrame>();
        for (var stack = data.CallStack(); stack is not null && frames.Count < MaxFrames; stack = stack.Caller)
        {
            var address = stack.CodeAddress;
            var method = address.FullMethodName;
            var module = address.ModuleName;
            if (string.IsNullOrEmpty(method))
            {
                // Native or unresolved code (the runtime's own frames): nothing the user can fix.
                continue;
            }

            var owner = OwnerOf(module);
            // Lines for the application's frames only: the user's code is what the PDBs beside the assemblies describe.
            var line = owner == FrameOwners.Application ? LineAt(address.Address, address.ModuleFile?.FilePath, address.ModuleFile?.PdbSignature ?? Guid.Empty) : null;
            frames.Add(new TracedFrame { Method = WithoutSignature(method), Module = NullIfEmpty(module), Owner = owner, File = line?.File, Line = line?.Line });
        }

        // The innermost frames are the event's own machinery (EventPipe, the bridge, Activity.Start), not its caller's.
        var caller = frames.FindIndex(f => f.Owner != FrameOwners.Framework);
        if (caller > 0)
        {
            frames.RemoveRange(0, caller);
        }

        _cache[index] = frames;
        return frames;
    }

    /// <summary>
    /// The source line of the call a frame made: its return address, through the JIT's IL map, to the IL offset of the
    /// call, then the module's PDB. Null when either is missing. Cached by address.
    /// </summary>
    public SourceLine? LineAt(ulong returnAddress, string? modulePath, Guid loadedPdbId)
    {
        if (_code is null || _pdbs is null || string.IsNullOrEmpty(modulePath))
        {
            return null;
        }

        if (_lines.TryGetValue(returnAddress, out var cached))
        {
            return cached;
        }

        // Not cached when the code is not known yet: a method's map can arrive after a stack that names it.
        if (_code.CallSiteAt(returnAddress) is not { } site)
        {
            return null;
        }

        var line = _pdbs.Find(modulePath, site.MethodToken, site.ILOffset, loadedPdbId);
        _lines[returnAddress] = line;
        return line;
    }

    /// <summary>Application unless the module is a driver's or the runtime's/framework's (System.*, Microsoft.*, netstandard).</summary>
    public string OwnerOf(string? module)
    {
        if (string.IsNullOrEmpty(module))
        {
            return FrameOwners.Framework;
        }

        var name = Path.GetFileNameWithoutExtension(module);
        if (_driverModules.Contains(name))
        {
            return FrameOwners.Driver;
        }

        return IsFramework(name) ? FrameOwners.Framework : FrameOwners.Application;
    }

    public static bool IsFramework(string moduleName) =>
        moduleName.Equals("System", StringComparison.OrdinalIgnoreCase)
        || moduleName.StartsWith("System.", StringComparison.OrdinalIgnoreCase)
        || moduleName.StartsWith("Microsoft.", StringComparison.OrdinalIgnoreCase)
        || moduleName.Equals("netstandard", StringComparison.OrdinalIgnoreCase)
        || moduleName.Equals("mscorlib", StringComparison.OrdinalIgnoreCase)
        || moduleName.StartsWith("lib", StringComparison.Ordinal) // libcoreclr.so, libclrjit.so
        || moduleName.Contains(".so", StringComparison.Ordinal);

    /// <summary>"Ns.Type.Method(class System.String,int32)" → "Ns.Type.Method": the IL signature is noise in a report.</summary>
    public static string WithoutSignature(string method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var open = method.IndexOf('(', StringComparison.Ordinal);
        return open > 0 ? method[..open] : method;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
