using DbDoctor.Model;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Cli;

/// <summary>Renders a report in the chosen format, writes it, and turns its findings into the exit code.</summary>
public static class ReportOutput
{
    public static async Task<int> WriteAsync(Report report, string format, FileInfo? output)
    {
        ReportRenderer renderer = format switch
        {
            "json" => new JsonRenderer(),
            "markdown" => new MarkdownRenderer(),
            _ => new ConsoleRenderer(output is null ? ConsoleRenderOptions.ForCurrentConsole() : new ConsoleRenderOptions()),
        };

        var text = renderer.Render(report);
        if (output is null)
        {
            try
            {
                await Console.Out.WriteAsync(text).ConfigureAwait(false);
                await Console.Out.FlushAsync().ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                // A full disk, /dev/full, a closed pipe: the report could not be delivered, which is an output problem, not a bug.
                throw new DbDoctorInputException($"Cannot write the report to standard output: {ex.Message}", ex);
            }
        }
        else
        {
            try
            {
                await File.WriteAllTextAsync(output.FullName, text).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DbDoctorInputException($"Cannot write the report to '{output.FullName}': {ex.Message}", ex);
            }
        }

        var exitCode = ExitCodeFor(report);
        if (exitCode == ExitCodes.BadInput)
        {
            await Console.Error.WriteLineAsync("dbdoctor: the heap could only partly be read, so the report cannot say the target is healthy (see its warnings).").ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>A damaged heap with no finding is not a healthy one: exit 2, the input could not be fully used.</summary>
    public static int ExitCodeFor(Report report) =>
        report.Findings.Any(f => f.Severity is Severities.Error or Severities.Warning) ? ExitCodes.Findings
        : report.Snapshot is { Incomplete: true } ? ExitCodes.BadInput
        : ExitCodes.Healthy;
}
