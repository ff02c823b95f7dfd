using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection.Metadata;
using DbDoctor.Heap.Isolation;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Facts;

/// <summary>
/// The versions of the assemblies loaded in the dump's runtime, by file name: from the assembly file where it was loaded
/// from (when the dump is analysed where it was written), else from the dump itself: the module's version resource, or its
/// metadata (AssemblyInformationalVersion, the package's version, e.g. "8.0.9+c641eb2…"), which the runtime keeps mapped.
/// </summary>
[DumpReadingLayer]
internal sealed class ModuleVersions
{
    private const int MaxMetadataBytes = 64 << 20;

    private readonly Dictionary<string, ClrModule> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Version> _versionsInDump = new(StringComparer.Ordinal);
    private readonly IDataReader _memory;

    public ModuleVersions(ClrRuntime runtime)
    {
        _memory = runtime.DataTarget.DataReader;
        foreach (var module in runtime.EnumerateModules())
        {
            if (module.Name is { } name)
            {
                _modules.TryAdd(name, module);
            }
        }

        foreach (var module in runtime.DataTarget.EnumerateModules())
        {
            if (module.Version.Major != 0 || !_versionsInDump.ContainsKey(module.FileName))
            {
                _versionsInDump[module.FileName] = module.Version;
            }
        }
    }

    public bool IsLoaded(string assemblyFileName) => PathOf(assemblyFileName) is not null;

    /// <summary>The version shown in the report: the module's version in the dump, else its package version, else the file's.</summary>
    public string? VersionOf(string assemblyFileName)
    {
        if (PathOf(assemblyFileName) is not { } path)
        {
            return null;
        }

        if (_versionsInDump.TryGetValue(path, out var version) && version.Major != 0)
        {
            return version.ToString();
        }

        return InformationalVersionInDump(path) ?? ProductVersionOnDisk(path);
    }

    /// <summary>
    /// The version the driver's package is known by (its ProductVersion, e.g. "2.1.4"), read from the assembly file when
    /// it is where it was loaded from, else from the module's metadata in the dump, else the file version in the dump
    /// (e.g. "2.0.20168.4").
    /// </summary>
    public string? ProductVersionOf(string assemblyFileName)
    {
        if (PathOf(assemblyFileName) is not { } path)
        {
            return null;
        }

        return ProductVersionOnDisk(path)
            ?? InformationalVersionInDump(path)
            ?? (_versionsInDump.TryGetValue(path, out var version) && version.Major != 0 ? version.ToString() : null);
    }

    private string? PathOf(string assemblyFileName) =>
        _modules.Keys.FirstOrDefault(p => string.Equals(Path.GetFileName(p), assemblyFileName, StringComparison.OrdinalIgnoreCase));

    private static string? ProductVersionOnDisk(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var info = FileVersionInfo.GetVersionInfo(path);
        var product = info.ProductVersion?.Split('+')[0];
        return string.IsNullOrEmpty(product) ? info.FileVersion : product;
    }

    /// <summary>The AssemblyInformationalVersion of the module's metadata in the dump ("8.0.9"), else its assembly version.</summary>
    private string? InformationalVersionInDump(string path)
    {
        var module = _modules[path];
        if (module.MetadataAddress == 0 || module.MetadataLength is 0 or > MaxMetadataBytes)
        {
            return null;
        }

        var bytes = new byte[(int)module.MetadataLength];
        if (_memory.Read(module.MetadataAddress, bytes) != bytes.Length)
        {
            return null;
        }

        try
        {
            using var provider = MetadataReaderProvider.FromMetadataImage(ImmutableArray.Create(bytes));
            var metadata = provider.GetMetadataReader();
            var assembly = metadata.GetAssemblyDefinition();
            foreach (var handle in assembly.GetCustomAttributes())
            {
                var attribute = metadata.GetCustomAttribute(handle);
                if (AttributeTypeName(metadata, attribute) == "AssemblyInformationalVersionAttribute"
                    && FirstStringArgument(metadata, attribute) is { Length: > 0 } informational)
                {
                    return informational.Split('+')[0];
                }
            }

            return assembly.Version.ToString();
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }

    private static string? AttributeTypeName(MetadataReader metadata, CustomAttribute attribute)
    {
        if (attribute.Constructor.Kind != HandleKind.MemberReference)
        {
            return null;
        }

        var parent = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
        return parent.Kind == HandleKind.TypeReference ? metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name) : null;
    }

    /// <summary>A custom attribute blob: prolog 0x0001, then the first fixed argument as a SerString.</summary>
    private static string? FirstStringArgument(MetadataReader metadata, CustomAttribute attribute)
    {
        var blob = metadata.GetBlobReader(attribute.Value);
        return blob.Length >= 2 && blob.ReadUInt16() == 1 ? blob.ReadSerializedString() : null;
    }
}
