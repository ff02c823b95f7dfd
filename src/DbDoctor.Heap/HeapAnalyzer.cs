using System.Diagnostics;
using DbDoctor.Drivers;
using DbDoctor.Heap.Facts;
using DbDoctor.Heap.Input;
using DbDoctor.Heap.Symbols;
using DbDoctor.Heap.Traversal;
using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap;

/// <summary>Reads a heap dump with ClrMD and returns what it shows of database pools, connections and their holders.</summary>
public static class HeapAnalyzer
{
    private const int MinimumLiveObjects = 100;

    public static HeapFacts AnalyzeDump(string dumpPath, HeapAnalysisOptions? options = null, IProgress<string>? progress = null)
    {
        options ??= new HeapAnalysisOptions();
        DumpFileCheck.Validate(dumpPath);

        var symbolCache = options.SymbolCachePath ?? Path.Combine(Path.GetTempPath(), "dbdoctor-symbols-" + Environment.ProcessId);
        try
        {
            using var dataTarget = OpenDump(dumpPath, symbolCache);
            var clr = dataTarget.ClrVersions.FirstOrDefault()
                ?? throw new DbDoctorInputException($"'{dumpPath}' is not a dump of a .NET process: it contains no CLR runtime.");
            var runtimeVersion = RuntimeVersion(dataTarget, clr);
            using var runtime = DacLocator.CreateRuntime(clr, dumpPath, options.SymbolDirectories, symbolCache, runtimeVersion, CoreLibFileVersion(dataTarget)?.ToString());
            var target = new TargetInfo { Kind = "dump", Path = Path.GetFullPath(dumpPath), RuntimeVersion = runtimeVersion };
            return Analyze(runtime, target, options, progress);
        }
        finally
        {
            if (options.SymbolCachePath is null && Directory.Exists(symbolCache))
            {
                Directory.Delete(symbolCache, recursive: true);
            }
        }
    }

    private static DataTarget OpenDump(string dumpPath, string symbolCache)
    {
        try
        {
            return DataTarget.LoadDump(dumpPath, new DataTargetOptions { SymbolCachePath = symbolCache, SymbolPaths = [] });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The container's structure was checked (DumpFileCheck): what ClrMD still refuses is corrupt content.
            throw new DbDoctorInputException($"'{dumpPath}' is a corrupt dump: its memory and module lists could not be read ({e.GetType().Name}).", e);
        }
    }

    private static HeapFacts Analyze(ClrRuntime runtime, TargetInfo target, HeapAnalysisOptions options, IProgress<string>? progress)
    {
        var stopwatch = Stopwatch.StartNew();
        var heap = runtime.Heap;
        var noHeap = $"'{target.Path}' contains no GC heap (a Normal or Triage dump?): write it with heap memory (DumpType.WithHeap or Full).";
        if (!heap.CanWalkHeap || heap.Segments.Length == 0 || !heap.EnumerateObjects().Any())
        {
            throw new DbDoctorInputException(noHeap);
        }

        var warnings = new List<string>();
        progress?.Report("Mapping GC roots and static fields.");
        // Each known driver is read with the knowledge of its version family; drivers without a profile are found in
        // the dump (assemblies defining a DbConnection subclass).
        var versions = new ModuleVersions(runtime);
        var families = KnowledgeFor(options.Drivers, versions, warnings);
        var known = families.Keys.ToList();
        IReadOnlyList<IHeapKnowledge> drivers = [.. known, .. GenericHeapKnowledge.Discover(runtime, known)];
        var roles = new TypeRoleCache(drivers);
        var (roots, registries) = MapRoots(runtime, roles, drivers, warnings);

        progress?.Report("Marking live objects.");
        // Mapping roots flushed ClrMD's caches, which replaces runtime.Heap: the heap read above must not be used again.
        heap = runtime.Heap;
        var walker = new ReachabilityWalker(heap, roles);
        var (readableSegments, unreadableSegments) = SegmentCheck.Split(heap, target.Path is { } p ? new FileInfo(p).Length : long.MaxValue);
        using (var marks = new HeapMarks(readableSegments))
        {
            walker.Run(marks, roots, progress);
        }

        // Any running .NET process has hundreds of live objects (CoreLib statics, preallocated exceptions, threads).
        // A Normal/Triage dump still lists a handful read from stack memory, so "a few" means "no heap in the dump".
        if (walker.LiveObjects < MinimumLiveObjects)
        {
            throw new DbDoctorInputException(noHeap);
        }

        progress?.Report($"{walker.LiveObjects:N0} live objects; reading database objects.");
        ReleaseWalkCaches(runtime, walker);
        heap = runtime.Heap;
        var reader = new FactReader(runtime, options.MaxSqlLength, warnings);
        var assembler = new FactAssembler(walker, registries, reader, new PathDescriber(heap, roles, options.MaxRootPathLength),
            new HolderStackReader(runtime, roles));
        assembler.Assemble();
        var registryEntries = RegistryEntries(roots, drivers, reader);

        return new HeapFacts
        {
            Target = target,
            Drivers = DriverVersions(versions, drivers, families, assembler),
            Pools = [.. assembler.Pools, .. registryEntries],
            Connections = assembler.Connections,
            GenericObjects = assembler.GenericObjects,
            Stats = new HeapStats
            {
                ObjectsMarkedLive = walker.LiveObjects,
                HeapBytes = walker.LiveBytes,
                AnalysisTime = stopwatch.Elapsed,
                Segments = readableSegments.Count + unreadableSegments,
                UnreadableSegments = unreadableSegments,
                UnreadableObjects = walker.UnreadableObjects,
            },
            Warnings = warnings,
        };
    }

    /// <summary>Pools the drivers' registries record without a pool object (connection strings used with pooling off).</summary>
    private static List<PoolFact> RegistryEntries(IReadOnlyList<RootEntry> roots, IReadOnlyList<IHeapKnowledge> drivers, FactReader reader)
    {
        var facts = new List<PoolFact>();
        foreach (var driver in drivers)
        {
            foreach (var registry in driver.Registries)
            {
                var root = roots.FirstOrDefault(r => r.Source == RootSource.DriverRegistry && r.Label == $"static {registry.TypeName}.{registry.FieldName}");
                if (root is not null)
                {
                    facts.AddRange(driver.ReadRegistryEntries(reader.GetObject(root.Object), registry, reader));
                }
            }
        }

        return facts;
    }

    /// <summary>
    /// Mapping static fields leaves megabytes of garbage (ClrMD's views of every type with statics): collected before the
    /// heap walk, and given back to the system (an aggressive collection decommits the emptied GC regions), so it does
    /// not add to dbdoctor's peak (bench/RESULTS.md).
    /// </summary>
    private static (List<RootEntry> Roots, RegistryScanner.Result Registries) MapRoots(
        ClrRuntime runtime, TypeRoleCache roles, IReadOnlyList<IHeapKnowledge> drivers, List<string> warnings)
    {
        var roots = RootCatalog.Build(runtime, roles, drivers, warnings);
        var registries = RegistryScanner.Scan(runtime.Heap, roots, drivers, roles, warnings);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return (roots, registries);
    }

    /// <summary>
    /// The walk leaves the data access library's caches of every type and object it read (megabytes): flushed before the
    /// facts are read, that memory does not add to dbdoctor's peak (bench/RESULTS.md). A flush replaces runtime.Heap, so
    /// the types the walk recorded must not call into ClrMD afterwards: their names, all the facts need, are read first.
    /// </summary>
    private static void ReleaseWalkCaches(ClrRuntime runtime, ReachabilityWalker walker)
    {
        foreach (var record in walker.Interesting.Values)
        {
            _ = record.Type.Name;
        }

        runtime.FlushCachedData();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>
    /// The runtime's product version (8.0.31). ClrInfo.Version reads 0.0 for .NET 8-10 in ClrMD 4.1, and so does the ELF
    /// libcoreclr module. A framework-dependent app loads the runtime from a shared-framework folder named after its
    /// version (…/Microsoft.NETCore.App/10.0.12/libcoreclr.so); a self-contained one from its own folder, where CoreLib's
    /// ProductVersion says it while the file is there, and its file version in the dump (8.0.3126.42015) otherwise.
    /// </summary>
    private static string? RuntimeVersion(DataTarget dataTarget, ClrInfo clr)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(clr.ModuleInfo.FileName));
        if (Version.TryParse(folder, out var fromFolder))
        {
            return fromFolder.ToString();
        }

        var coreLib = dataTarget.EnumerateModules().FirstOrDefault(m => Path.GetFileName(m.FileName) == RuntimeVersionText.CoreLibFileName);
        if (coreLib is not null && RuntimeVersionText.ProductVersionOfFile(coreLib.FileName) is { } product)
        {
            return product;
        }

        if (CoreLibFileVersion(dataTarget) is { } fileVersion)
        {
            return RuntimeVersionText.FromFileVersion(fileVersion);
        }

        return clr.Version.Major != 0 ? RuntimeVersionText.FromFileVersion(clr.Version) : null;
    }

    /// <summary>CoreLib's file version as the dump holds it (8.0.3126.42015): the runtime build's file version.</summary>
    private static Version? CoreLibFileVersion(DataTarget dataTarget) =>
        dataTarget.EnumerateModules()
            .Where(m => Path.GetFileName(m.FileName) == RuntimeVersionText.CoreLibFileName && m.Version.Major != 0)
            .Select(m => m.Version)
            .FirstOrDefault();

    /// <summary>
    /// The heap knowledge of each registered driver's family for the version loaded in the target, with the family it
    /// came from (in registration order).
    /// </summary>
    private static Dictionary<IHeapKnowledge, FamilyChoice> KnowledgeFor(DriverCatalog catalog, ModuleVersions versions, List<string> warnings)
    {
        var known = new Dictionary<IHeapKnowledge, FamilyChoice>(ReferenceEqualityComparer.Instance);
        foreach (var profile in catalog.Profiles)
        {
            var loaded = profile.AssemblyFileNames.Count > 0 && versions.IsLoaded(profile.AssemblyFileNames[0]);
            var choice = profile.Pick(loaded ? versions.ProductVersionOf(profile.AssemblyFileNames[0]) : null);
            if (choice?.Family.Heap is { } heap)
            {
                known[heap] = choice;
            }

            if (loaded && choice?.Warning is { } warning)
            {
                warnings.Add(warning);
            }
        }

        return known;
    }

    private static List<DriverInfo> DriverVersions(
        ModuleVersions versions, IReadOnlyList<IHeapKnowledge> drivers, Dictionary<IHeapKnowledge, FamilyChoice> families, FactAssembler assembler)
    {
        var result = new List<DriverInfo>();
        foreach (var driver in drivers)
        {
            if (versions.IsLoaded(driver.VersionAssemblyFileName))
            {
                var choice = families.GetValueOrDefault(driver);
                result.Add(new DriverInfo(driver.Name, versions.VersionOf(driver.VersionAssemblyFileName))
                {
                    Family = choice?.Family.Versions,
                    Verified = choice is null ? null : choice.Warning is null && choice.VersionKnown,
                });
            }
        }

        // Reader or transaction subclasses outside any driver assembly, named after their assembly.
        foreach (var generic in assembler.GenericObjects.Select(g => g.Driver).Distinct().Where(g => result.All(d => d.Name != g)))
        {
            result.Add(new DriverInfo(generic, null));
        }

        return result;
    }
}
