using DbDoctor.Drivers;

namespace DbDoctor.Heap;

/// <summary>Knobs for <see cref="HeapAnalyzer.AnalyzeDump"/>.</summary>
public sealed record HeapAnalysisOptions
{
    /// <summary>SQL text longer than this is cut (with "…") so reports stay readable.</summary>
    public int MaxSqlLength { get; init; } = 200;

    /// <summary>Root paths longer than this keep their first and last elements only.</summary>
    public int MaxRootPathLength { get; init; } = 8;

    /// <summary>
    /// Where ClrMD may cache symbol files. Null: a private folder under the temp directory that is deleted
    /// afterwards, so analysing a dump never litters the user's TMPDIR with a "symbols" folder.
    /// </summary>
    public string? SymbolCachePath { get; init; }

    /// <summary>
    /// Local directories where the runtime's data access library of a dump analysed away from where it was written may be
    /// (`--symbols DIR`, DBDOCTOR_SYMBOL_PATH): plain folders of runtime files or symbol stores. Searched after the runtime's
    /// own folder recorded in the dump, before the public symbol server.
    /// </summary>
    public IReadOnlyList<string> SymbolDirectories { get; init; } = [];

    /// <summary>The drivers whose heap knowledge is applied; unknown drivers get the generic fallback.</summary>
    public DriverCatalog Drivers { get; init; } = DriverCatalog.Default;
}
