using System.Diagnostics;
using System.Text.RegularExpressions;
using DbDoctor.Drivers;
using DbDoctor.Model;

namespace DbDoctor.Telemetry;

/// <summary>Lists the .NET processes that can be attached (`dbdoctor ps`). Never throws for one bad process.</summary>
public static partial class ProcessLister
{
    public static IReadOnlyList<DotNetProcessInfo> List()
    {
        var self = Environment.ProcessId;
        return DiagnosticSocket.FindLiveSockets()
            .Where(kv => kv.Key != self)
            .OrderBy(kv => kv.Key)
            .Select(kv => Describe(kv.Key, kv.Value))
            .ToList();
    }

    private static DotNetProcessInfo Describe(int pid, string socketPath)
    {
        var commandLine = ReadCommandLine(pid);
        var maps = ReadMappedFiles(pid);
        var probeFailure = DiagnosticSocket.Probe(socketPath);
        var status = maps is null || (probeFailure?.Contains("permission", StringComparison.Ordinal) ?? false)
            ? ProcessStatus.NoPermission
            : probeFailure is null ? ProcessStatus.Attachable : ProcessStatus.NotAnswering;
        var detail = status switch
        {
            ProcessStatus.NoPermission => AccessDenial.Note(pid),
            ProcessStatus.NotAnswering => "diagnostic socket " + probeFailure,
            _ => null,
        };

        return new DotNetProcessInfo
        {
            Pid = pid,
            CommandLine = commandLine,
            RuntimeVersion = maps is null ? null : FindRuntimeVersion(maps),
            Drivers = maps is null ? [] : FindDrivers(maps),
            Status = status,
            StatusDetail = detail,
        };
    }

    /// <summary>
    /// The runtime's product version: the shared-framework folder in a path like .../Microsoft.NETCore.App/10.0.12/libcoreclr.so,
    /// else (a self-contained app loads its runtime from its own folder) the ProductVersion of the mapped System.Private.CoreLib.dll.
    /// </summary>
    public static string? FindRuntimeVersion(IEnumerable<string> mappedFiles)
    {
        var paths = mappedFiles.ToList();
        foreach (var path in paths)
        {
            var match = RuntimePathPattern().Match(path);
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
        }

        return paths.Where(p => Path.GetFileName(p) == RuntimeVersionText.CoreLibFileName)
            .Select(RuntimeVersionText.ProductVersionOfFile)
            .FirstOrDefault(v => v is not null);
    }

    /// <summary>The recognised driver assemblies (<see cref="DriverCatalog.RecognizedAssemblies"/>) among the mapped files.</summary>
    public static IReadOnlyList<LoadedDriver> FindDrivers(IEnumerable<string> mappedFiles, DriverCatalog? catalog = null)
    {
        var known = (catalog ?? DriverCatalog.Default).RecognizedAssemblies;
        var drivers = new List<LoadedDriver>();
        foreach (var path in mappedFiles.Distinct(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(path);
            foreach (var (file, name) in known)
            {
                if (string.Equals(fileName, file, StringComparison.OrdinalIgnoreCase) && drivers.All(d => d.Name != name))
                {
                    drivers.Add(new LoadedDriver(name, file, ReadFileVersion(path), path));
                }
            }
        }

        return drivers;
    }

    /// <summary>Absolute paths of the files mapped into the process, or null when /proc/&lt;pid&gt;/maps cannot be read.</summary>
    internal static IReadOnlyList<string>? ReadMappedFiles(int pid)
    {
        try
        {
            var paths = new List<string>();
            foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash > 0)
                {
                    paths.Add(line[slash..].Replace(" (deleted)", "", StringComparison.Ordinal));
                }
            }

            return paths.Distinct(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadCommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            var args = raw.Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(a => a.Contains('=', StringComparison.Ordinal) && a.Contains(';', StringComparison.Ordinal)
                    ? ConnectionStrings.Redact(a) // an argument that looks like a connection string may carry a password
                    : a);
            return string.Join(' ', args);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadFileVersion(string path)
    {
        try
        {
            var info = FileVersionInfo.GetVersionInfo(path);
            return string.IsNullOrWhiteSpace(info.ProductVersion) ? info.FileVersion : StripBuildMetadata(info.ProductVersion);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>"10.0.0+3a1b..." -> "10.0.0": the commit hash says nothing to a user.</summary>
    private static string StripBuildMetadata(string version)
    {
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }

    [GeneratedRegex(@"/Microsoft\.NETCore\.App/([0-9][^/]*)/libcoreclr\.so$")]
    private static partial Regex RuntimePathPattern();
}
