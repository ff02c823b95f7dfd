using DbDoctor.Model;

namespace DbDoctor.Heap.Isolation;

/// <summary>
/// Owner-only folders under the temporary directory. A missing TMPDIR is refused rather than created: a folder dbdoctor
/// made up would be left behind, and TMPDIR is also where a target's diagnostic socket is looked for.
/// </summary>
public static class PrivateTemp
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static string Create(string prefix)
    {
        var root = Path.GetTempPath();
        if (!Directory.Exists(root))
        {
            throw new DbDoctorInputException($"The temporary folder '{root.TrimEnd('/')}' does not exist: set TMPDIR to an existing folder.");
        }

        var path = Directory.CreateTempSubdirectory(prefix).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }

        return path;
    }
}
