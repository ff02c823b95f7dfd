using System.Buffers.Binary;
using System.Text;

namespace DbDoctor.Telemetry.Tracing;

/// <summary>
/// The payload of the DiagnosticSource bridge's ActivityStart/ActivityStop events, read from the raw bytes (a live
/// TraceLog delivers them unnamed, without a parsed payload): the source name and the activity name as UTF-16
/// null-terminated strings, then the Arguments list: a 16-bit count and that many key/value pairs of such strings.
/// </summary>
public sealed record ActivityPayload(string SourceName, string ActivityName, IReadOnlyDictionary<string, string> Arguments)
{
    /// <summary>Null when the bytes are not such a payload (too short, a string without its terminator, a count past the end).</summary>
    public static ActivityPayload? Parse(ReadOnlySpan<byte> payload)
    {
        var offset = 0;
        if (ReadString(payload, ref offset) is not { } source || ReadString(payload, ref offset) is not { } activity)
        {
            return null;
        }

        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        if (offset + 2 > payload.Length)
        {
            // No list at all: the event carried the names only.
            return offset == payload.Length ? new ActivityPayload(source, activity, arguments) : null;
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(payload[offset..]);
        offset += 2;
        for (var i = 0; i < count; i++)
        {
            if (ReadString(payload, ref offset) is not { } key || ReadString(payload, ref offset) is not { } value)
            {
                return null;
            }

            arguments[key] = value;
        }

        return new ActivityPayload(source, activity, arguments);
    }

    /// <summary>
    /// The <c>Tags</c> argument of a <c>Tags=TagObjects.*Enumerate</c> spec: the tags' <c>ToString()</c> joined by commas,
    /// each "[key, value]". A value may itself hold ", " or brackets (a connection string does not, SQL may): a pair
    /// ends at "]," followed by "[" or at the very end.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseTags(string? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(tags))
        {
            return result;
        }

        var position = 0;
        while (position < tags.Length)
        {
            if (tags[position] != '[')
            {
                break;
            }

            var end = tags.IndexOf("],[", position, StringComparison.Ordinal);
            var pair = end < 0
                ? tags[(position + 1)..(tags.EndsWith(']') ? tags.Length - 1 : tags.Length)]
                : tags[(position + 1)..end];
            var comma = pair.IndexOf(", ", StringComparison.Ordinal);
            if (comma > 0)
            {
                result.TryAdd(pair[..comma], pair[(comma + 2)..]);
            }

            if (end < 0)
            {
                break;
            }

            position = end + 2;
        }

        return result;
    }

    /// <summary>Writes a payload in the same layout (for tests).</summary>
    public static byte[] Encode(string source, string activity, IEnumerable<KeyValuePair<string, string>> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var list = arguments.ToList();
        using var stream = new MemoryStream();
        WriteString(stream, source);
        WriteString(stream, activity);
        Span<byte> count = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(count, checked((ushort)list.Count));
        stream.Write(count);
        foreach (var (key, value) in list)
        {
            WriteString(stream, key);
            WriteString(stream, value);
        }

        return stream.ToArray();
    }

    private static string? ReadString(ReadOnlySpan<byte> payload, ref int offset)
    {
        for (var i = offset; i + 1 < payload.Length; i += 2)
        {
            if (payload[i] == 0 && payload[i + 1] == 0)
            {
                var text = Encoding.Unicode.GetString(payload[offset..i]);
                offset = i + 2;
                return text;
            }
        }

        return null;
    }

    private static void WriteString(Stream stream, string text)
    {
        stream.Write(Encoding.Unicode.GetBytes(text));
        stream.Write([0, 0]);
    }
}
