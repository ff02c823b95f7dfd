using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// The server status flags of a MySqlConnector session's last reply, read from its receive buffer. MySqlConnector keeps
/// no transaction flag of its own; the server reports SERVER_STATUS_IN_TRANS in every OK/EOF packet, and the session's
/// buffered reader still holds the last reply (a read starts at offset 0 once earlier data is consumed). Null whenever
/// the buffer does not parse as whole packets ending at the consumed mark: then nothing is claimed.
/// </summary>
internal static class MySqlServerStatus
{
    public const int InTransaction = 0x0001;

    private const int MaxParsedBytes = 1 << 20;

    public static int? Read(ClrObject session, FactReader reader)
    {
        var handler = reader.ReadObject(session, "m_payloadHandler");
        var buffered = handler.IsNull ? default : reader.ReadOptionalObject(handler, "m_bufferedByteReader");
        if (buffered.IsNull || buffered.Type?.GetFieldByName("m_remainingData") is null)
        {
            return null; // closed, or the compressed protocol (another handler): no claim
        }

        var remaining = buffered.ReadValueTypeField("m_remainingData");
        var array = remaining.ReadObjectField("_array");
        if (array.IsNull || !array.IsArray)
        {
            return null;
        }

        var end = remaining.ReadField<int>("_offset") + remaining.ReadField<int>("_count");
        if (end <= 4 || end > Math.Min(array.AsArray().Length, MaxParsedBytes))
        {
            return null;
        }

        var bytes = array.AsArray().ReadValues<byte>(0, end);
        return bytes is null ? null : LastReplyStatus(bytes);
    }

    /// <summary>Walks the packets (3-byte length, 1-byte sequence, payload) and reads the flags of the last one.</summary>
    internal static int? LastReplyStatus(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        var last = ReadOnlySpan<byte>.Empty;
        while (position + 4 <= bytes.Length)
        {
            var length = bytes[position] | (bytes[position + 1] << 8) | (bytes[position + 2] << 16);
            if (position + 4 + length > bytes.Length)
            {
                return null;
            }

            last = bytes.Slice(position + 4, length);
            position += 4 + length;
        }

        if (position != bytes.Length || last.IsEmpty)
        {
            return null;
        }

        return last[0] switch
        {
            // OK packet, or the OK that ends a result set when the server deprecates EOF (0xFE, longer than an EOF).
            0x00 or 0xFE when last.Length >= 7 => OkStatus(last[1..]),

            // Classic EOF packet: warnings (2), then status (2).
            0xFE when last.Length == 5 => last[3] | (last[4] << 8),
            _ => null,
        };
    }

    private static int? OkStatus(ReadOnlySpan<byte> afterHeader)
    {
        var position = 0;
        for (var i = 0; i < 2; i++)
        {
            // affected rows, last insert id: length-encoded integers
            if (position >= afterHeader.Length)
            {
                return null;
            }

            position += afterHeader[position] switch
            {
                < 0xFB => 1,
                0xFC => 3,
                0xFD => 4,
                0xFE => 9,
                _ => afterHeader.Length,
            };
        }

        return position + 2 <= afterHeader.Length ? afterHeader[position] | (afterHeader[position + 1] << 8) : null;
    }
}
