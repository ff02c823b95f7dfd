namespace DbDoctor.Rendering.Html;

/// <summary>The page's only style sheet, inline: system fonts, no web font, no image, nothing fetched.</summary>
internal static class HtmlStyle
{
    public const string Css = """

        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #212529; background: #ffffff; margin: 24px auto; max-width: 1120px; padding: 0 16px; }
        h1 { font-size: 22px; margin: 8px 0 12px; }
        h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 4px 0 8px; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
        .target, .drivers, .context { margin: 2px 0; color: #495057; }
        .verdict.problems { color: #c92a2a; }
        .verdict.no-verdict { color: #e67700; }
        .verdict.healthy { color: #2b8a3e; }
        .summary { margin: 0 0 8px; padding-left: 22px; }
        .summary a { color: inherit; text-decoration: none; }
        .badge { display: inline-block; min-width: 56px; text-align: center; border-radius: 3px; padding: 0 6px; font-size: 12px; font-weight: 600; text-transform: uppercase; color: #ffffff; }
        .badge.error { background: #c92a2a; }
        .badge.warning { background: #e67700; }
        .badge.info { background: #1864ab; }
        figure { margin: 8px 0 16px; }
        figcaption { color: #495057; font-size: 12.5px; }
        svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #343a40; }
        .finding { border-left: 4px solid #adb5bd; padding: 4px 12px; margin: 12px 0; background: #f8f9fa; }
        .finding.error { border-left-color: #c92a2a; }
        .finding.warning { border-left-color: #e67700; }
        .finding.info { border-left-color: #1864ab; }
        .meta { margin: 4px 0; color: #495057; }
        .evidence { margin: 4px 0; padding-left: 20px; }
        .advice { background: #e7f5ff; padding: 6px 10px; border-radius: 3px; }
        details summary { cursor: pointer; color: #495057; }
        .table { overflow-x: auto; }
        table { border-collapse: collapse; font-size: 12.5px; margin: 6px 0; }
        th, td { border: 1px solid #dee2e6; padding: 3px 6px; text-align: left; vertical-align: top; }
        th { background: #f1f3f5; }
        td { word-break: break-word; }
        .warnings li { color: #7c4a03; }
        footer { margin-top: 32px; color: #868e96; font-size: 12px; }

        """;
}
