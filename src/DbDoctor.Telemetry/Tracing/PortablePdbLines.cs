using DbDoctor.Model.Facts;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>A source position: the document as the compiler recorded it (a path on the build machine) and its line.</summary>
public readonly record struct SourceLine(string File, int Line);

/// <summary>
/// Source lines of IL offsets, from the portable PDB beside an assembly (<c>App.dll</c> → <c>App.pdb</c>, or the file name
/// the assembly's CodeView entry records) or embedded in it. A PDB counts only when its id is the one the assembly was
/// built with; a Windows PDB, a PDB of another build, an unreadable or corrupt one, or none: no line, never an error.
/// Each module is opened once (its PDB read into memory, no file kept open); each method's sequence points are read once.
/// Not thread-safe: the trace's event thread is its only caller.
/// </summary>
public sealed class PortablePdbLines
{
    private static readonly byte[] PortableSignature = "BSJB"u8.ToArray();
    private readonly Dictionary<(string Path, Guid LoadedPdbId), Module?> _modules = [];

    /// <summary>Modules whose PDB was found and matched, so far.</summary>
    public int ModulesWithLines => _modules.Values.Count(m => m is not null);

    /// <summary>
    /// The line of the sequence point that holds <paramref name="ilOffset"/> in the method (the visible one with the
    /// greatest offset at or below it). <paramref name="loadedPdbId"/>: the PDB id the runtime reported when it loaded the
    /// module (empty when unknown); when it differs from the assembly now on disk, that file is another build.
    /// </summary>
    public SourceLine? Find(string? modulePath, int methodToken, int ilOffset, Guid loadedPdbId = default)
    {
        if (string.IsNullOrEmpty(modulePath) || ilOffset < 0)
        {
            return null;
        }

        var key = (modulePath, loadedPdbId);
        if (!_modules.TryGetValue(key, out var module))
        {
            module = Open(modulePath, loadedPdbId);
            _modules[key] = module;
        }

        if (module is null)
        {
            return null;
        }

        try
        {
            return module.Find(methodToken, ilOffset);
        }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            // A PDB whose header read fine but whose tables are damaged: no more lines from it.
            _modules[key] = null;
            return null;
        }
    }

    private static Module? Open(string modulePath, Guid loadedPdbId)
    {
        try
        {
            using var stream = File.OpenRead(modulePath);
            using var pe = new PEReader(stream);
            var entries = pe.ReadDebugDirectory();
            if (entries.FirstOrDefault(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb) is { DataSize: > 0 } embedded)
            {
                return new Module(pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded));
            }

            if (entries.FirstOrDefault(e => e.Type == DebugDirectoryEntryType.CodeView) is not { DataSize: > 0 } codeViewEntry)
            {
                return null;
            }

            var codeView = pe.ReadCodeViewDebugDirectoryData(codeViewEntry);
            if (loadedPdbId != Guid.Empty && loadedPdbId != codeView.Guid)
            {
                return null;
            }

            foreach (var candidate in Candidates(modulePath, codeView.Path))
            {
                if (OpenPdb(candidate, codeView.Guid, codeViewEntry.Stamp) is { } module)
                {
                    return module;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            // Not a readable assembly any more (deleted, replaced, not a PE file): no lines, as without a PDB.
        }

        return null;
    }

    private static IEnumerable<string> Candidates(string modulePath, string codeViewPath)
    {
        var directory = Path.GetDirectoryName(modulePath) ?? ".";
        yield return Path.ChangeExtension(modulePath, ".pdb");
        // The name the compiler wrote (a Windows build records "C:\...\App.pdb"): the file name, beside the assembly.
        var name = TracedFrame.FileName(codeViewPath);
        if (name.Length > 0 && !name.Equals(Path.GetFileName(Path.ChangeExtension(modulePath, ".pdb")), StringComparison.Ordinal))
        {
            yield return Path.Combine(directory, name);
        }
    }

    private static Module? OpenPdb(string path, Guid guid, uint stamp)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        // A Windows (MSF) PDB starts otherwise: System.Reflection.Metadata cannot read it, and the runtime's stacks would not either.
        if (bytes.Length < PortableSignature.Length || !bytes.AsSpan(0, PortableSignature.Length).SequenceEqual(PortableSignature))
        {
            return null;
        }

        var provider = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(bytes, writable: false), MetadataStreamOptions.PrefetchMetadata);
        try
        {
            var reader = provider.GetMetadataReader();
            if (reader.DebugMetadataHeader is not { } header)
            {
                provider.Dispose();
                return null;
            }

            var id = new BlobContentId(header.Id);
            if (id.Guid != guid || id.Stamp != stamp)
            {
                // Another build's PDB: its lines would point at the wrong statements.
                provider.Dispose();
                return null;
            }

            return new Module(provider);
        }
        catch
        {
            provider.Dispose();
            throw;
        }
    }

    private sealed class Module(MetadataReaderProvider provider)
    {
        private readonly MetadataReader _reader = provider.GetMetadataReader();
        private readonly Dictionary<int, (int Offset, int Line, DocumentHandle Document)[]> _points = [];
        private readonly Dictionary<DocumentHandle, string> _documents = [];

        public SourceLine? Find(int methodToken, int ilOffset)
        {
            if (!_points.TryGetValue(methodToken, out var points))
            {
                points = Read(methodToken);
                _points[methodToken] = points;
            }

            // Sequence points come in IL order: the last one at or below the offset is the statement that holds it.
            (int Offset, int Line, DocumentHandle Document)? found = null;
            foreach (var point in points)
            {
                if (point.Offset > ilOffset)
                {
                    break;
                }

                found = point;
            }

            return found is { } p && DocumentName(p.Document) is { Length: > 0 } file ? new SourceLine(file, p.Line) : null;
        }

        private (int Offset, int Line, DocumentHandle Document)[] Read(int methodToken)
        {
            // A MethodDef token (table 0x06) whose row the PDB has: anything else is no method of this build.
            var row = methodToken & 0xFFFFFF;
            if ((methodToken >>> 24) != 0x06 || row == 0 || row > _reader.MethodDebugInformation.Count)
            {
                return [];
            }

            var information = _reader.GetMethodDebugInformation(MetadataTokens.MethodDefinitionHandle(row));
            // Hidden points mark compiler-made code (an async method's resume path): they belong to no line, so the
            // call is on the line of the visible point before them.
            return [.. information.GetSequencePoints().Where(p => !p.IsHidden && !p.Document.IsNil)
                .Select(p => (p.Offset, p.StartLine, p.Document))
                .OrderBy(p => p.Offset)];
        }

        private string DocumentName(DocumentHandle handle)
        {
            if (!_documents.TryGetValue(handle, out var name))
            {
                name = _reader.GetString(_reader.GetDocument(handle).Name);
                _documents[handle] = name;
            }

            return name;
        }
    }
}
