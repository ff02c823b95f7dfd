using System.Diagnostics;
using System.Globalization;

namespace DbDoctor.Model;

/// <summary>
/// The .NET runtime's product version (8.0.31), as users know it, from what a process or dump shows: its shared-framework
/// folder name, the ProductVersion of its System.Private.CoreLib.dll, or the file version of a runtime file
/// (8.0.3126.42015: the runtime's build numbers its file versions patch × 100 + a day count, measured on 8.0.31, 9.0.20, 10.0.12).
/// </summary>
public static class RuntimeVersionText
{
    /// <summary>The assembly whose ProductVersion is the runtime's (what Environment.Version reports in the process).</summary>
    public const string CoreLibFileName = "System.Private.CoreLib.dll";

    /// <summary>"8.0.31" from a file version "8.0.3126.42015"; a version that is already a product version stays as it is.</summary>
    public static string FromFileVersion(Version fileVersion)
    {
        ArgumentNullException.ThrowIfNull(fileVersion);
        var patch = fileVersion.Build >= 100 ? fileVersion.Build / 100 : Math.Max(0, fileVersion.Build);
        return string.Create(CultureInfo.InvariantCulture, $"{fileVersion.Major}.{fileVersion.Minor}.{patch}");
    }

    /// <summary>
    /// The ProductVersion of a runtime file on disk without its label and commit ("8.0.31+1219a4...", "10.0.12-servicing.26422.108+95017c7..."
    /// → "8.0.31", "10.0.12"); null when the file
    /// is not there or has none.
    /// </summary>
    public static string? ProductVersionOfFile(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            // "10.0.12-servicing.26422.108+95017c7...": the numeric part is the version Environment.Version reports.
            var product = FileVersionInfo.GetVersionInfo(path).ProductVersion ?? "";
            var end = 0;
            while (end < product.Length && (char.IsAsciiDigit(product[end]) || product[end] == '.'))
            {
                end++;
            }

            var numeric = product[..end].TrimEnd('.');
            return Version.TryParse(numeric, out var version) && version.Major > 0 ? numeric : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
