using System.Globalization;
using System.Runtime.InteropServices;

namespace DbDoctor.Telemetry;

/// <summary>The user and group a process runs as (its effective ids, from /proc/&lt;pid&gt;/status).</summary>
public sealed partial record ProcessOwner(uint Uid, uint Gid)
{
    /// <summary>The owner of <paramref name="pid"/>, or null when /proc does not say (the process is gone, or not Linux).</summary>
    public static ProcessOwner? Of(int pid) => Parse(ReadStatus(pid.ToString(CultureInfo.InvariantCulture)));

    /// <summary>dbdoctor's own effective user and group.</summary>
    public static ProcessOwner? Current() => Parse(ReadStatus("self"));

    public bool IsRoot => Uid == 0;

    /// <summary>
    /// Parses the effective ids (the second column) of the "Uid:" and "Gid:" lines of a /proc status file.
    /// </summary>
    public static ProcessOwner? Parse(string? status)
    {
        if (status is null)
        {
            return null;
        }

        uint? uid = null;
        uint? gid = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                uid = Effective(line);
            }
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
            {
                gid = Effective(line);
            }
        }

        return uid is { } u && gid is { } g ? new ProcessOwner(u, g) : null;
    }

    /// <summary>
    /// Gives <paramref name="path"/> to this owner without following a symbolic link (lchown): a link planted by another
    /// user must never make root change the owner of what it points to.
    /// </summary>
    public void Own(string path)
    {
        if (Native.lchown(path, Uid, Gid) != 0)
        {
            throw new IOException($"Cannot give {path} to user {Uid}: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private static uint? Effective(string line)
    {
        var fields = line[4..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
    }

    private static string? ReadStatus(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int lchown(string path, uint owner, uint group);
    }
}
