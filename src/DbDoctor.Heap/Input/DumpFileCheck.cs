using DbDoctor.Model;

namespace DbDoctor.Heap.Input;

/// <summary>
/// Checks a dump path before anything opens it for reading: what is not a regular file with data (a pipe would block
/// the reader forever, a device never ends), a symbolic link that leads nowhere, a file dbdoctor may not read, and a
/// container whose own headers contradict the file (truncated, absurd counts). Each case is its own sentence: the
/// runtime's data access library would answer all of them with the same opaque failure, or crash.
/// </summary>
public static class DumpFileCheck
{
    private const int SniffBytes = 64;

    public static void Validate(string path)
    {
        var info = new FileInfo(path);
        CheckLink(path, info);
        if (Directory.Exists(path))
        {
            throw new DbDoctorInputException($"'{path}' is a directory, not a dump file.");
        }

        if (!info.Exists)
        {
            throw new DbDoctorInputException($"The dump file '{path}' does not exist.");
        }

        // stat reports size 0 for pipes, sockets and character devices: opening a pipe would wait for a writer forever.
        if (info.Length == 0)
        {
            throw new DbDoctorInputException($"'{path}' is empty or not a regular file (a pipe or a device), so it cannot be a dump.");
        }

        using var stream = OpenForReading(path);
        var header = new byte[SniffBytes];
        var read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        var length = stream.Length;
        switch (DumpContainer.Sniff(header.AsSpan(0, read)))
        {
            case DumpContainerKind.Elf:
                ElfCoreCheck.Validate(path, stream, length);
                break;
            case DumpContainerKind.Minidump:
                MinidumpCheck.Validate(path, stream, length);
                break;
            case DumpContainerKind.MachO:
                break;
            default:
                throw new DbDoctorInputException($"'{path}' is not a readable dump (expected an ELF core, Mach-O core or Windows minidump file).");
        }
    }

    private static void CheckLink(string path, FileInfo info)
    {
        if (info.LinkTarget is not { } target)
        {
            return;
        }

        FileSystemInfo? final;
        try
        {
            final = info.ResolveLinkTarget(returnFinalTarget: true);
        }
        catch (IOException e)
        {
            throw new DbDoctorInputException($"'{path}' is a symbolic link that cannot be resolved (a loop of links?): {Sentence.Clause(e.Message)}", e);
        }

        if (final is null || !final.Exists && !Directory.Exists(final.FullName))
        {
            throw new DbDoctorInputException($"'{path}' is a symbolic link to '{final?.FullName ?? target}', which does not exist.");
        }
    }

    private static FileStream OpenForReading(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DbDoctorInputException($"You have no permission to read '{path}' (run dbdoctor as its owner or as root).", e);
        }
        catch (IOException e)
        {
            throw new DbDoctorInputException($"'{path}' cannot be read: {Sentence.Clause(e.Message)}", e);
        }
    }
}

internal enum DumpContainerKind
{
    Unknown,
    Elf,
    Minidump,
    MachO,
}

internal static class DumpContainer
{
    public static DumpContainerKind Sniff(ReadOnlySpan<byte> header)
    {
        if (header.Length < 4)
        {
            return DumpContainerKind.Unknown;
        }

        if (header[..4].SequenceEqual("\u007fELF"u8))
        {
            return DumpContainerKind.Elf;
        }

        if (header[..4].SequenceEqual("MDMP"u8))
        {
            return DumpContainerKind.Minidump;
        }

        // MH_MAGIC_64 and MH_CIGAM_64 (a 64-bit Mach-O core, either byte order).
        var magic = BitConverter.ToUInt32(header);
        return magic is 0xfeedfacf or 0xcffaedfe ? DumpContainerKind.MachO : DumpContainerKind.Unknown;
    }
}

/// <summary>Keeps a system message usable inside one sentence of dbdoctor's.</summary>
internal static class Sentence
{
    public static string Clause(string message) => message.Trim().TrimEnd('.').Replace(". ", "; ", StringComparison.Ordinal) + ".";
}
