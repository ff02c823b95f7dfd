using System.Globalization;
using DbDoctor.Model;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;
using DbDoctor.Rendering.Html;

namespace DbDoctor.Cli.Watch;

/// <summary>
/// Writes a watch report as JSON, Markdown and HTML into the report directory: timestamped names, readable by the owner
/// only (a report names pools, SQL and hosts).
/// </summary>
public static class ReportFiles
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (owner only) when missing; refuses one that cannot be written, before watching starts.</summary>
    public static string Prepare(string directory)
    {
        var full = Path.GetFullPath(directory);
        try
        {
            if (!Directory.Exists(full))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(full);
                }
                else
                {
                    Directory.CreateDirectory(full, Private | UnixFileMode.UserExecute);
                }
            }

            var probe = Path.Combine(full, $".dbdoctor-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DbDoctorInputException($"Cannot write reports into '{full}': {e.Message}", e);
        }

        return full;
    }

    /// <summary>Writes the three files; returns the JSON file's path (the Markdown and HTML ones sit beside it).</summary>
    public static string Write(string directory, Report report, int pid, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(report);
        var baseStem = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $"dbdoctor-{pid}-{utcNow:yyyyMMdd-HHmmss}Z"));
        var stem = baseStem;
        // Two snapshots of one pid within a second cannot happen (cooldown), but never overwrite a report anyway.
        for (var n = 2; File.Exists(stem + ".json") || File.Exists(stem + ".md") || File.Exists(stem + ".html"); n++)
        {
            stem = string.Create(CultureInfo.InvariantCulture, $"{baseStem}-{n}");
        }

        // The JSON file last: whoever sees it (a person, a log shipper, a test) finds the other two complete beside it.
        WritePrivate(stem + ".md", new MarkdownRenderer().Render(report));
        WritePrivate(stem + ".html", new HtmlRenderer().Render(report));
        WritePrivate(stem + ".json", new JsonRenderer().Render(report));
        return stem + ".json";
    }

    /// <summary>Writes a hidden partial file and renames it into place, so a report file never appears half written.</summary>
    private static void WritePrivate(string path, string text)
    {
        var partial = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".partial");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Private;
        }

        try
        {
            using (var stream = new FileStream(partial, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
            }

            File.Move(partial, path, overwrite: false);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }
}
