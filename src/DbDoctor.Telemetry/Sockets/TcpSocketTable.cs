using System.Globalization;
using System.Net;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>One row of /proc/net/tcp or tcp6.</summary>
public sealed record TcpSocket(IPEndPoint Local, IPEndPoint Remote, TcpState State, int Uid, long Inode);

/// <summary>The kernel's TCP state codes as /proc/net/tcp prints them (include/net/tcp_states.h).</summary>
public enum TcpState
{
    Unknown = 0,
    Established = 0x01,
    SynSent = 0x02,
    SynRecv = 0x03,
    FinWait1 = 0x04,
    FinWait2 = 0x05,
    TimeWait = 0x06,
    Close = 0x07,
    CloseWait = 0x08,
    LastAck = 0x09,
    Listen = 0x0A,
    Closing = 0x0B,
    NewSynRecv = 0x0C,
}

/// <summary>
/// Reads the kernel's TCP socket tables. /proc/&lt;pid&gt;/net/tcp is the table of the pid's network namespace, not
/// of the pid: every socket of the namespace is listed, TIME-WAIT ones with inode 0 and no owner.
/// </summary>
public static class TcpSocketTable
{
    public static string StateName(TcpState state) => state switch
    {
        TcpState.Established => "ESTABLISHED",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynRecv => "SYN_RECV",
        TcpState.FinWait1 => "FIN_WAIT1",
        TcpState.FinWait2 => "FIN_WAIT2",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Close => "CLOSE",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        TcpState.NewSynRecv => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    };

    /// <summary>Reads tcp and tcp6 of the pid's namespace. A missing tcp6 (IPv6 disabled) is not an error.</summary>
    public static IReadOnlyList<TcpSocket> Read(int pid)
    {
        var sockets = new List<TcpSocket>();
        var ipv4 = $"/proc/{pid}/net/tcp";
        if (!File.Exists(ipv4))
        {
            throw new DbDoctorSocketException($"Cannot read {ipv4}: the process is gone or this system has no /proc.");
        }

        sockets.AddRange(Parse(ReadAll(ipv4)));
        var ipv6 = $"/proc/{pid}/net/tcp6";
        if (File.Exists(ipv6))
        {
            sockets.AddRange(Parse(ReadAll(ipv6)));
        }

        return sockets;
    }

    /// <summary>Parses the text of one table (header line included). Lines that do not parse are skipped.</summary>
    public static IReadOnlyList<TcpSocket> Parse(string table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sockets = new List<TcpSocket>();
        foreach (var line in table.Split('\n'))
        {
            if (TryParseLine(line, out var socket))
            {
                sockets.Add(socket);
            }
        }

        return sockets;
    }

    /// <summary>
    /// "   3: 0100007F:D889 0100007F:8A0A 01 00000000:00000000 02:000AF130 00000000   101        0 15318 ...":
    /// slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode.
    /// </summary>
    public static bool TryParseLine(string line, out TcpSocket socket)
    {
        socket = null!;
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || !fields[0].EndsWith(':'))
        {
            return false;
        }

        if (!TryParseEndpoint(fields[1], out var local)
            || !TryParseEndpoint(fields[2], out var remote)
            || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var state)
            || !int.TryParse(fields[7], NumberStyles.Integer, CultureInfo.InvariantCulture, out var uid)
            || !long.TryParse(fields[9], NumberStyles.Integer, CultureInfo.InvariantCulture, out var inode))
        {
            return false;
        }

        var known = Enum.IsDefined(typeof(TcpState), state) ? (TcpState)state : TcpState.Unknown;
        socket = new TcpSocket(local, remote, known, uid, inode);
        return true;
    }

    /// <summary>
    /// "0100007F:D889" or "0000000000000000FFFF00000100007F:E8B0". The address is the kernel's in-memory bytes
    /// printed as 32-bit words in host order (little-endian here), so each 4-byte word is reversed; the port is
    /// plain big-endian hex.
    /// </summary>
    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        var colon = text.IndexOf(':');
        if (colon < 0 || (colon != 8 && colon != 32))
        {
            return false;
        }

        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
        {
            return false;
        }

        var bytes = new byte[colon / 2];
        for (var word = 0; word < bytes.Length / 4; word++)
        {
            if (!uint.TryParse(text.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            // The printed word is the host-order value of 4 network-order bytes: on a little-endian machine the
            // first byte in memory is the lowest one.
            var offset = word * 4;
            bytes[offset] = (byte)value;
            bytes[offset + 1] = (byte)(value >> 8);
            bytes[offset + 2] = (byte)(value >> 16);
            bytes[offset + 3] = (byte)(value >> 24);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(bytes, offset, 4);
            }
        }

        endpoint = new IPEndPoint(new IPAddress(bytes), port);
        return true;
    }

    // File.ReadAllText works on /proc files (they report size 0 but read to the end).
    private static string ReadAll(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DbDoctorSocketException($"Cannot read {path}: {e.Message}", e);
        }
    }
}

/// <summary>The socket tables could not be read; the caller turns this into a warning, never a failed diagnosis.</summary>
public sealed class DbDoctorSocketException : Exception
{
    public DbDoctorSocketException(string message) : base(message) { }
    public DbDoctorSocketException(string message, Exception inner) : base(message, inner) { }
}
