using System.Buffers.Binary;
using DbDoctor.Model;

namespace DbDoctor.Heap.Input;

/// <summary>
/// The structure of a 64-bit little-endian ELF core, checked against the file before ClrMD reads it: header fields,
/// program headers inside the file, memory segments inside the file and not overlapping, notes well formed, and the
/// notes a .NET dump reader needs (process status, auxiliary vector). ClrMD trusts every one of these fields.
/// </summary>
internal static class ElfCoreCheck
{
    private const int HeaderSize = 64;
    private const int ProgramHeaderSize = 56;
    private const int SectionHeaderSize = 64;
    private const ushort CoreFile = 4;
    private const ushort ExtendedCount = 0xffff;
    private const uint Load = 1;
    private const uint Note = 4;
    private const uint ProcessStatus = 1;
    private const uint AuxiliaryVector = 6;
    private const uint MappedFiles = 0x46494c45;

    // Far more than any process maps (the kernel's default vm.max_map_count is 65530), far less than what overflows.
    private const long MaxProgramHeaders = 1 << 22;
    private const long MaxNotesBytes = 1L << 30;

    public static void Validate(string path, FileStream stream, long length)
    {
        var header = ReadAt(stream, 0, HeaderSize, length, path, "the ELF header");
        if (header[4] != 2 || header[5] != 1)
        {
            throw Corrupt(path, "only 64-bit little-endian ELF cores are supported");
        }

        if (U16(header, 16) != CoreFile)
        {
            throw new DbDoctorInputException($"'{path}' is an ELF file but not a core dump (an executable or a library?).");
        }

        var programHeaderOffset = U64(header, 32);
        if (U16(header, 54) != ProgramHeaderSize)
        {
            throw Corrupt(path, $"its program header size is {U16(header, 54)} bytes instead of {ProgramHeaderSize}");
        }

        long count = U16(header, 56);
        if (count == ExtendedCount)
        {
            // PN_XNUM: the real count is in the first section header's sh_info.
            var sections = ReadAt(stream, U64(header, 40), SectionHeaderSize, length, path, "the first section header");
            count = BinaryPrimitives.ReadUInt32LittleEndian(sections.AsSpan(44));
        }

        if (count == 0 || count > MaxProgramHeaders)
        {
            throw Corrupt(path, $"it declares {count:N0} program headers");
        }

        var table = ReadAt(stream, programHeaderOffset, count * ProgramHeaderSize, length, path, "the program header table");
        var loads = new List<(ulong Start, ulong End)>();
        var notes = 0;
        for (var i = 0; i < count; i++)
        {
            var entry = table.AsSpan(i * ProgramHeaderSize, ProgramHeaderSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            var address = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
            var fileSize = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
            var memorySize = BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]);
            if (type is Load or Note && (offset > (ulong)length || fileSize > (ulong)length - offset))
            {
                throw Truncated(path, length, offset + fileSize);
            }

            if (type == Load)
            {
                if (fileSize > memorySize || memorySize > ulong.MaxValue - address)
                {
                    throw Corrupt(path, $"memory segment {i} at 0x{address:x} has impossible sizes");
                }

                if (memorySize > 0)
                {
                    loads.Add((address, address + memorySize));
                }
            }
            else if (type == Note)
            {
                notes |= CheckNotes(path, stream, offset, fileSize, length);
            }
        }

        if ((notes & 1) == 0)
        {
            throw Corrupt(path, "it has no process status note (no threads)");
        }

        if ((notes & 2) == 0)
        {
            throw Corrupt(path, "it has no auxiliary vector note");
        }

        CheckNoOverlap(path, loads);
    }

    /// <summary>One memory region is written once: overlapping segments mean an address was altered.</summary>
    private static void CheckNoOverlap(string path, List<(ulong Start, ulong End)> loads)
    {
        loads.Sort((a, b) => a.Start.CompareTo(b.Start));
        for (var i = 1; i < loads.Count; i++)
        {
            if (loads[i].Start < loads[i - 1].End)
            {
                throw Corrupt(path, $"its memory segments at 0x{loads[i - 1].Start:x} and 0x{loads[i].Start:x} overlap");
            }
        }
    }

    /// <summary>Walks one PT_NOTE segment; returns bit 1 for a process status note, bit 2 for an auxiliary vector.</summary>
    private static int CheckNotes(string path, FileStream stream, ulong offset, ulong size, long length)
    {
        if (size > MaxNotesBytes)
        {
            throw Corrupt(path, $"its notes claim {size:N0} bytes");
        }

        var bytes = ReadAt(stream, offset, (long)size, length, path, "the notes");
        var found = 0;
        var at = 0L;
        while (at + 12 <= bytes.Length)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at));
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at + 4));
            var type = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at + 8));
            var descStart = at + 12 + Align4(nameSize);
            var next = descStart + Align4(descSize);
            if (next > bytes.Length)
            {
                throw Corrupt(path, $"a note at file offset {offset + (ulong)at:N0} runs past its segment");
            }

            var desc = bytes.AsSpan((int)descStart, (int)descSize);
            switch (type)
            {
                case ProcessStatus:
                    found |= 1;
                    break;
                case AuxiliaryVector:
                    found |= desc.Length >= 16 ? 2 : 0;
                    break;
                case MappedFiles:
                    CheckMappedFiles(path, desc);
                    break;
            }

            at = next;
        }

        return found;
    }

    /// <summary>NT_FILE: a count, a page size, count (start, end, offset) triples, then count NUL-terminated names.</summary>
    private static void CheckMappedFiles(string path, ReadOnlySpan<byte> desc)
    {
        if (desc.Length < 16)
        {
            throw Corrupt(path, "its table of mapped files is cut short");
        }

        var count = BinaryPrimitives.ReadUInt64LittleEndian(desc);
        if (count > (ulong)(desc.Length - 16) / 24)
        {
            throw Corrupt(path, $"its table of mapped files declares {count:N0} entries in {desc.Length:N0} bytes");
        }

        var names = desc[(16 + ((int)count * 24))..];
        for (var i = 0UL; i < count; i++)
        {
            var end = names.IndexOf((byte)0);
            if (end < 0)
            {
                throw Corrupt(path, "its table of mapped files has unterminated names");
            }

            names = names[(end + 1)..];
        }
    }

    private static long Align4(uint size) => ((long)size + 3) & ~3L;

    private static byte[] ReadAt(FileStream stream, ulong offset, long size, long length, string path, string what)
    {
        if (offset > (ulong)length || (ulong)size > (ulong)length - offset)
        {
            throw Truncated(path, length, offset + (ulong)size);
        }

        var bytes = new byte[size];
        stream.Position = (long)offset;
        var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        return read == bytes.Length ? bytes : throw Corrupt(path, $"{what} could not be read");
    }

    private static ushort U16(byte[] bytes, int at) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));

    private static ulong U64(byte[] bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));

    internal static DbDoctorInputException Truncated(string path, long length, ulong needed) =>
        new($"'{path}' is truncated: it has {length:N0} bytes, its headers describe at least {needed:N0} (was it copied or written completely?).");

    internal static DbDoctorInputException Corrupt(string path, string why) =>
        new($"'{path}' is a corrupt dump: {why}.");
}
