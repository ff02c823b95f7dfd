using System.Buffers.Binary;

namespace DbDoctor.Heap.Symbols;

/// <summary>
/// Whether a runtime file found in a directory is the very build a dump was written by: the GNU build id of an ELF file
/// (the NT_GNU_BUILD_ID note, what `file` prints as BuildID[sha1]; 64-bit little-endian only: linux-x64, arm64), and the
/// version string the runtime's native files carry ("@(#)Version 8.0.3126.42015 @Commit: …", the file version).
/// </summary>
internal static class RuntimeFileIdentity
{
    private static readonly byte[] VersionMarker = "@(#)Version "u8.ToArray();

    private const uint NoteSegment = 4; // PT_NOTE
    private const uint GnuBuildIdNote = 3; // NT_GNU_BUILD_ID
    private const int MaxNotesBytes = 1 << 16;

    /// <summary>The build id in lowercase hex; null when the file is missing, not a 64-bit ELF or has no build id.</summary>
    public static string? BuildId(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            var header = new byte[64];
            if (file.Read(header) != header.Length || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F' || header[4] != 2 || header[5] != 1)
            {
                return null;
            }

            var programHeaders = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(0x20));
            var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x36));
            var count = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(0x38));
            var entry = new byte[Math.Max((int)entrySize, 56)];
            for (var i = 0; i < count; i++)
            {
                file.Position = programHeaders + ((long)i * entrySize);
                if (file.Read(entry, 0, entrySize) != entrySize || BinaryPrimitives.ReadUInt32LittleEndian(entry) != NoteSegment)
                {
                    continue;
                }

                var offset = BinaryPrimitives.ReadInt64LittleEndian(entry.AsSpan(0x08));
                var size = (int)Math.Min(BinaryPrimitives.ReadInt64LittleEndian(entry.AsSpan(0x20)), MaxNotesBytes);
                var notes = new byte[size];
                file.Position = offset;
                if (file.Read(notes) == size && FindBuildId(notes) is { } id)
                {
                    return id;
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>"8.0.3126.42015" from the file's "@(#)Version 8.0.3126.42015 @Commit: …" string; null when it has none.</summary>
    public static string? VersionString(string path)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var at = bytes.AsSpan().IndexOf(VersionMarker);
            if (at < 0)
            {
                return null;
            }

            var start = at + VersionMarker.Length;
            var end = start;
            while (end < bytes.Length && (char.IsAsciiDigit((char)bytes[end]) || bytes[end] == '.'))
            {
                end++;
            }

            return end > start ? System.Text.Encoding.ASCII.GetString(bytes, start, end - start) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? FindBuildId(ReadOnlySpan<byte> notes)
    {
        var at = 0;
        while (at + 12 <= notes.Length)
        {
            var nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[at..]);
            var descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(at + 8)..]);
            var desc = at + 12 + Align4(nameSize);
            if (nameSize < 0 || descSize < 0 || desc + descSize > notes.Length)
            {
                return null;
            }

            if (type == GnuBuildIdNote && nameSize == 4 && notes.Slice(at + 12, 3).SequenceEqual("GNU"u8))
            {
                return Convert.ToHexString(notes.Slice(desc, descSize)).ToLowerInvariant();
            }

            at = desc + Align4(descSize);
        }

        return null;
    }

    private static int Align4(int size) => (size + 3) & ~3;
}
