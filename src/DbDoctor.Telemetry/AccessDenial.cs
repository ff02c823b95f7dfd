using System.Globalization;

namespace DbDoctor.Telemetry;

/// <summary>
/// What to tell a user whose target's memory map (/proc/&lt;pid&gt;/maps) dbdoctor cannot read, in words that fit who is
/// asking: another user's process asks for that user (or root); for root, or for the process's own user, the kernel
/// itself refuses (a protected or non-dumpable process, such as a container's or a VM's init), and becoming root does not help.
/// </summary>
public static class AccessDenial
{
    /// <summary>One sentence: why process <paramref name="pid"/>, which has no diagnostic socket dbdoctor can see, cannot be attached.</summary>
    public static string Describe(int pid, string socketDirectory)
    {
        var name = CommandName(pid);
        var process = name is null ? $"Process {pid}" : $"Process {pid} ({name})";
        var me = ProcessOwner.Current();
        if (OwnerIfAnotherUsers(pid) is { } target)
        {
            var owner = UserName(target.Uid);
            var fix = target.IsRoot ? "run dbdoctor as root (sudo dbdoctor ...)" : $"run dbdoctor as {owner} (sudo -u {owner} dbdoctor ...) or as root";
            return $"{process} runs as user {owner} and dbdoctor as {UserName(me!.Uid)}, which may not look inside it or use its diagnostic socket: {fix}.";
        }

        var who = me is { IsRoot: true } ? "root" : "its own user";
        return $"{process} is not an attachable .NET process: it has no diagnostic socket in {socketDirectory}, and the kernel does not let " +
            $"{who} read its memory map (a protected or non-dumpable process, such as a container's or a VM's init); " +
            "if it does run .NET, start it with dbdoctor's TMPDIR and without DOTNET_EnableDiagnostics=0.";
    }

    /// <summary>A short note for 'dbdoctor ps': why a process with a diagnostic socket cannot be inspected.</summary>
    public static string Note(int pid) =>
        OwnerIfAnotherUsers(pid) is { } target
            ? target.IsRoot ? "runs as root: run dbdoctor as root" : $"runs as user {UserName(target.Uid)}: run dbdoctor as that user or as root"
            : "the kernel does not let dbdoctor read its memory map (a protected or non-dumpable process)";

    /// <summary>The target's owner when it is another user and dbdoctor is not root (only then would another user help).</summary>
    public static ProcessOwner? OwnerIfAnotherUsers(int pid)
    {
        var me = ProcessOwner.Current();
        var target = ProcessOwner.Of(pid);
        return target is not null && me is not null && !me.IsRoot && target.Uid != me.Uid ? target : null;
    }

    /// <summary>The user's name from /etc/passwd, else "uid N".</summary>
    public static string UserName(uint uid)
    {
        var id = uid.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && fields[2] == id && fields[0].Length > 0)
                {
                    return fields[0];
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No user database to read: the number is all there is.
        }

        return "uid " + id;
    }

    private static string? CommandName(int pid)
    {
        try
        {
            var comm = File.ReadAllText($"/proc/{pid}/comm").Trim();
            return comm.Length == 0 ? null : comm;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
