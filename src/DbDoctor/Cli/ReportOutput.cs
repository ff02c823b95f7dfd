using DbDoctor.Model;
using DbDoctor.Model.Reports;
using DbDoctor.Rendering;

namespace DbDoctor.Cli;

/// <summary>Renders a report in the chosen format, writes it, and turns its findings into the exit code.</summary>
public static class ReportOutput
{
    public static async Task<int> WriteAsync(Report report, string format, FileInfo? output)
    {
        IReportRenderer renderer = format switch
        {
            "json" => new JsonRenderer(),
            "markdown" => new MarkdownRenderer(),
            _ => new ConsoleRenderer(output is null ? ConsoleRenderOptions.ForCurrentConsole() : new ConsoleRenderOptions()),
        };

        var text = renderer.Render(report);
        if (output is null)
        {
            await Console.Out.WriteAsync(text).ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
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

        return ExitCodeFor(report);
    }

    public static int ExitCodeFor(Report report) =>
        report.Findings.Any(f => f.Severity is Severities.Error or Severities.Warning) ? ExitCodes.Findings : ExitCodes.Healthy;
}
