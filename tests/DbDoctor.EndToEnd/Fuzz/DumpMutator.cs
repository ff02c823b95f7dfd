using System.Buffers.Binary;

namespace DbDoctor.EndToEnd.Fuzz;

/// <summary>One way of damaging a dump: patches written over a working copy (and undone), or a truncated copy.</summary>
public sealed record DumpMutation(string Description, IReadOnlyList<(long Offset, byte[] Bytes)> Patches, long? TruncateTo);

/// <summary>
/// Deterministic mutations of a real ELF core, the ways a dump gets damaged (issue 12): truncation in the headers, notes
/// or data; absurd header fields and counts; program headers pointing past the end, emptied, shifted or enormous; damaged
/// notes; random bit flips in memory; words overwritten with pointers to themselves (a type whose parent is itself).
/// </summary>
public sealed class DumpMutator
{
    private const int ProgramHeaderSize = 56;
    private readonly byte[] _header;
    private readonly long _length;
    private readonly long _programHeaders;
    private readonly List<Segment> _loads = [];
    private readonly List<Segment> _notes = [];

    private sealed record Segment(int Index, long FileOffset, long FileSize, ulong Address);

    public DumpMutator(string path)
    {
        using var stream = File.OpenRead(path);
        _length = stream.Length;
        _header = new byte[64];
        stream.ReadExactly(_header);
        _programHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(_header.AsSpan(32));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(56));
        var table = new byte[count * ProgramHeaderSize];
        stream.Position = _programHeaders;
        stream.ReadExactly(table);
        for (var i = 0; i < count; i++)
        {
            var entry = table.AsSpan(i * ProgramHeaderSize);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var segment = new Segment(i, (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]), (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]), BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]));
            if (type == 1 && segment.FileSize > 0)
            {
                _loads.Add(segment);
            }
            else if (type == 4)
            {
                _notes.Add(segment);
            }
        }

        HeadersEnd = _notes.Select(n => n.FileOffset + n.FileSize).Append(_programHeaders + (count * ProgramHeaderSize)).Max();
    }

    /// <summary>Where the ELF header, program headers and notes end: the first memory byte follows.</summary>
    public long HeadersEnd { get; }

    public DumpMutation Create(int seed)
    {
        var random = new Random(seed);
        return (seed % 9) switch
        {
            0 => Truncate(random.NextInt64(1, HeadersEnd), "in the headers or notes"),
            1 => Truncate(random.NextInt64(HeadersEnd, _length), "in the memory"),
            2 => HeaderField(random),
            3 => ProgramHeaderField(random),
            4 => NoteDamage(random),
            5 => Flips(random, random.Next(3) switch { 0 => 1, 1 => 16, _ => 1024 }, biggest: false),
            6 => Flips(random, 1024, biggest: true),
            7 => SelfPointers(random),
            _ => ProgramHeaderField(random),
        };
    }

    private DumpMutation Truncate(long length, string where) => new($"truncated to {length:N0} bytes ({where})", [], length);

    private DumpMutation HeaderField(Random random) => random.Next(4) switch
    {
        0 => new("e_phentsize 0", [(54, U16(0))], null),
        1 => Patch("e_phnum", 56, U16((ushort)random.Next(400, 0xfffe))),
        2 => Patch("e_phoff", 32, U64((ulong)random.NextInt64(0, _length * 2))),
        _ => new("e_phnum PN_XNUM with a garbage section header", [(56, U16(0xffff)), (40, U64((ulong)random.NextInt64(0, _length)))], null),
    };

    private DumpMutation ProgramHeaderField(Random random)
    {
        var load = _loads[random.Next(_loads.Count)];
        var at = _programHeaders + (load.Index * ProgramHeaderSize);
        return random.Next(5) switch
        {
            0 => Patch($"PT_LOAD {load.Index} p_offset past the end", at + 8, U64((ulong)(_length + random.Next(1, 1 << 20)))),
            1 => Patch($"PT_LOAD {load.Index} p_filesz 0", at + 32, U64(0)),
            2 => Patch($"PT_LOAD {load.Index} p_vaddr shifted", at + 16, U64(load.Address + (ulong)(random.Next(1, 512) * 8) - (random.Next(2) == 0 ? 0UL : 4096UL))),
            3 => Patch($"PT_LOAD {load.Index} p_vaddr absurd", at + 16, U64((ulong)random.NextInt64() << 1)),
            _ => Patch($"PT_LOAD {load.Index} p_offset moved inside the file", at + 8, U64((ulong)random.NextInt64(HeadersEnd, _length - load.FileSize) & ~7UL)),
        };
    }

    private DumpMutation NoteDamage(Random random)
    {
        var note = _notes[0];
        if (random.Next(2) == 0)
        {
            // The size words of the first notes: n_namesz / n_descsz of the first entry, or of one further in.
            var offset = note.FileOffset + (random.Next(2) * 4);
            return Patch("a note's size", offset, U32((uint)random.Next(int.MaxValue)));
        }

        var patches = new List<(long, byte[])>();
        for (var i = 0; i < 64; i++)
        {
            patches.Add((note.FileOffset + random.NextInt64(note.FileSize), [(byte)random.Next(256)]));
        }

        return new("64 random bytes in the notes", patches, null);
    }

    private DumpMutation Flips(Random random, int count, bool biggest)
    {
        var pool = biggest ? _loads.OrderByDescending(l => l.FileSize).Take(8).ToList() : _loads;
        var load = pool[random.Next(pool.Count)];
        var patches = new List<(long, byte[])>();
        for (var i = 0; i < count; i++)
        {
            patches.Add((load.FileOffset + random.NextInt64(load.FileSize), [(byte)random.Next(256)]));
        }

        return new($"{count} random bytes in memory segment {load.Index} at 0x{load.Address:x}", patches, null);
    }

    private DumpMutation SelfPointers(Random random)
    {
        var load = _loads.OrderByDescending(l => l.FileSize).Take(8).ToList()[random.Next(Math.Min(8, _loads.Count))];
        var patches = new List<(long, byte[])>();
        for (var i = 0; i < 256; i++)
        {
            var offset = random.NextInt64(load.FileSize / 8) * 8;
            patches.Add((load.FileOffset + offset, U64(load.Address + (ulong)offset)));
        }

        return new($"256 words pointing to themselves in memory segment {load.Index}", patches, null);
    }

    private static DumpMutation Patch(string what, long offset, byte[] bytes) => new($"{what} = 0x{Convert.ToHexString(bytes)}", [(offset, bytes)], null);

    private static byte[] U16(ushort value) => BitConverter.GetBytes(value);

    private static byte[] U32(uint value) => BitConverter.GetBytes(value);

    private static byte[] U64(ulong value) => BitConverter.GetBytes(value);
}
