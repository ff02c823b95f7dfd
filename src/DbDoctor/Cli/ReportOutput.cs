using DbDoctor.Model;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;
using DbDoctor.Rendering.Html;

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
            "html" => new HtmlRenderer(),
            _ => new ConsoleRenderer(ConsoleRenderOptions.ForCurrentConsole(toFile: output is not null)),
        };

        var text = renderer.Render(report);
        if (output is null)
        {
            await StandardOutput.WriteAsync(text).ConfigureAwait(false);
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
            var why = report.Inconclusive ?? "the heap could only partly be read";
            await Console.Error.WriteLineAsync($"dbdoctor: no verdict: {why}, so the report cannot say the target is healthy (see its warnings).").ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>
    /// A damaged heap, or a target DbDoctor could not look at, with no finding is not a healthy one: exit 2, the
    /// input could not be fully used.
    /// </summary>
    public static int ExitCodeFor(Report report) =>
        report.Findings.Any(f => f.Severity is Severities.Error or Severities.Warning) ? ExitCodes.Findings
        : report.Snapshot is { Incomplete: true } || report.Inconclusive is not null ? ExitCodes.BadInput
        : ExitCodes.Healthy;
}
