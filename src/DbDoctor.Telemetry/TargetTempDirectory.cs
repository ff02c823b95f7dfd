namespace DbDoctor.Telemetry;

/// <summary>
/// Where a target publishes its diagnostic socket when that is not dbdoctor's TMPDIR: the target's own TMPDIR (from
/// /proc/&lt;pid&gt;/environ, else /tmp), seen directly or, for a target in another mount namespace (a container),
/// through /proc/&lt;pid&gt;/root. Used to tell the user which TMPDIR to run dbdoctor with.
/// </summary>
public static class TargetTempDirectory
{
    /// <summary>The target's temporary folder as dbdoctor can see it, when it holds a diagnostic socket; else null.</summary>
    public static string? WithSocketOf(int pid)
    {
        var own = TmpDirOf(pid) ?? "/tmp/";
        foreach (var candidate in new[] { own, $"/proc/{pid}/root{own}" })
        {
            if (HasDiagnosticSocket(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The TMPDIR value in a NUL-separated environ block, or null when it sets none.</summary>
    public static string? TmpDirIn(string environ)
    {
        ArgumentNullException.ThrowIfNull(environ);
        var entry = environ.Split('\0').LastOrDefault(e => e.StartsWith("TMPDIR=", StringComparison.Ordinal));
        return entry is { Length: > 7 } ? (entry[7..].EndsWith('/') ? entry[7..] : entry[7..] + "/") : null;
    }

    private static string? TmpDirOf(int pid)
    {
        try
        {
            return TmpDirIn(File.ReadAllText($"/proc/{pid}/environ"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool HasDiagnosticSocket(string directory)
    {
        try
        {
            // In another pid namespace the socket carries the target's pid as the container sees it: any socket counts.
            return Directory.Exists(directory) && Directory.EnumerateFiles(directory, "dotnet-diagnostic-*-socket").Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
