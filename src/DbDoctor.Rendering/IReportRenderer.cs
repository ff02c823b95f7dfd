using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>Turns a report into text. Renderers return the text; the CLI decides where it goes.</summary>
public interface IReportRenderer
{
    string Render(Report report);
}
