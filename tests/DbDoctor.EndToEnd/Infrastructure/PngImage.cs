using System.Buffers.Binary;
using System.IO.Compression;

namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>
/// The pixels of a PNG file as a browser's screenshot writes it (8-bit RGB or RGBA, not interlaced): the IDAT chunks
/// inflated with System.IO.Compression and each scanline's filter undone. Enough to count the pixels of one colour.
/// </summary>
public sealed class PngImage
{
    private readonly byte[] _rgb;

    private PngImage(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        _rgb = rgb;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Pixels whose red, green and blue are each within <paramref name="tolerance"/> of the colour "#rrggbb".</summary>
    public int Count(string colour, int tolerance = 3)
    {
        var r = Convert.ToInt32(colour.Substring(1, 2), 16);
        var g = Convert.ToInt32(colour.Substring(3, 2), 16);
        var b = Convert.ToInt32(colour.Substring(5, 2), 16);
        var count = 0;
        for (var i = 0; i < _rgb.Length; i += 3)
        {
            if (Math.Abs(_rgb[i] - r) <= tolerance && Math.Abs(_rgb[i + 1] - g) <= tolerance && Math.Abs(_rgb[i + 2] - b) <= tolerance)
            {
                count++;
            }
        }

        return count;
    }

    public static PngImage Read(string path)
    {
        var file = File.ReadAllBytes(path);
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(signature))
        {
            throw new InvalidDataException($"{path} is not a PNG file");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        for (var at = 8; at + 8 <= file.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(at));
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                var (depth, colourType, interlace) = (data[8], data[9], data[12]);
                channels = colourType switch { 2 => 3, 6 => 4, _ => 0 };
                if (depth != 8 || channels == 0 || interlace != 0)
                {
                    throw new InvalidDataException($"unsupported PNG: bit depth {depth}, colour type {colourType}, interlace {interlace}");
                }
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            else if (type == "IEND")
            {
                break;
            }

            at += 12 + length; // length, type, data, CRC
        }

        compressed.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        return new PngImage(width, height, Unfilter(inflated.ToArray(), width, height, channels));
    }

    /// <summary>Undoes the per-scanline filters (None, Sub, Up, Average, Paeth) and keeps red, green and blue.</summary>
    private static byte[] Unfilter(byte[] raw, int width, int height, int channels)
    {
        var stride = width * channels;
        if (raw.Length < height * (stride + 1))
        {
            throw new InvalidDataException($"PNG data too short: {raw.Length} bytes for {width}x{height}");
        }

        var previous = new byte[stride];
        var line = new byte[stride];
        var rgb = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            Array.Copy(raw, (y * (stride + 1)) + 1, line, 0, stride);
            for (var x = 0; x < stride; x++)
            {
                int left = x >= channels ? line[x - channels] : 0, up = previous[x], upLeft = x >= channels ? previous[x - channels] : 0;
                line[x] = (byte)(line[x] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"unknown PNG filter {filter} on line {y}"),
                });
            }

            for (var x = 0; x < width; x++)
            {
                Array.Copy(line, x * channels, rgb, ((y * width) + x) * 3, 3);
            }

            (previous, line) = (line, previous);
        }

        return rgb;
    }

    private static int Paeth(int a, int b, int c)
    {
        var p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
