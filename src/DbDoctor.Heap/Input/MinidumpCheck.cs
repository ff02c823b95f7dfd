using System.Buffers.Binary;

namespace DbDoctor.Heap.Input;

/// <summary>A Windows minidump's header and stream directory, checked against the file before ClrMD reads it.</summary>
internal static class MinidumpCheck
{
    private const int HeaderSize = 32;
    private const int DirectoryEntrySize = 12;
    private const uint MaxStreams = 1 << 16;

    public static void Validate(string path, FileStream stream, long length)
    {
        if (length < HeaderSize)
        {
            throw ElfCoreCheck.Truncated(path, length, HeaderSize);
        }

        var header = new byte[HeaderSize];
        stream.Position = 0;
        stream.ReadExactly(header);
        var streams = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        var directory = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(12));
        if (streams == 0 || streams > MaxStreams)
        {
            throw ElfCoreCheck.Corrupt(path, $"it declares {streams:N0} streams");
        }

        var directoryEnd = directory + ((ulong)streams * DirectoryEntrySize);
        if (directoryEnd > (ulong)length)
        {
            throw ElfCoreCheck.Truncated(path, length, directoryEnd);
        }

        var entries = new byte[streams * DirectoryEntrySize];
        stream.Position = directory;
        stream.ReadExactly(entries);
        for (var i = 0; i < streams; i++)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan((i * DirectoryEntrySize) + 4));
            var rva = BinaryPrimitives.ReadUInt32LittleEndian(entries.AsSpan((i * DirectoryEntrySize) + 8));
            if ((ulong)rva + size > (ulong)length)
            {
                throw ElfCoreCheck.Truncated(path, length, (ulong)rva + size);
            }
        }
    }
}
