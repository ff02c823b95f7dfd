using System.Globalization;

namespace DbDoctor.Telemetry.Sockets;

/// <summary>The socket inodes a process holds open: /proc/&lt;pid&gt;/fd/N links read "socket:[12345]".</summary>
public static class ProcessSocketInodes
{
    private const string Prefix = "socket:[";

    /// <summary>The inodes, or an empty set when the fd folder cannot be listed (another user's process without privilege).</summary>
    public static IReadOnlySet<long> Read(int pid)
    {
        var inodes = new HashSet<long>();
        string[] links;
        try
        {
            links = Directory.GetFiles($"/proc/{pid}/fd");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return inodes;
        }

        foreach (var link in links)
        {
            string? target;
            try
            {
                target = new FileInfo(link).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The descriptor was closed between listing and reading: normal for a busy process.
                continue;
            }

            if (TryParseLinkTarget(target, out var inode))
            {
                inodes.Add(inode);
            }
        }

        return inodes;
    }

    public static bool TryParseLinkTarget(string? target, out long inode)
    {
        inode = 0;
        return target is not null
            && target.StartsWith(Prefix, StringComparison.Ordinal)
            && target.EndsWith(']')
            && long.TryParse(target.AsSpan(Prefix.Length, target.Length - Prefix.Length - 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out inode);
    }
}
