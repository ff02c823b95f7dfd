using System.Globalization;
using System.Text.Encodings.Web;

namespace DbDoctor.Rendering.Html;

/// <summary>
/// Escaping and number formatting for the HTML report. Everything that comes from the target (pool names, SQL, type
/// names, messages) goes through <see cref="Text"/>: the encoder leaves only letters, digits and safe punctuation
/// as they are, so the page stays well-formed XML too (which the tests check).
/// </summary>
internal static class Html
{
    public static string Text(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    public static string Number(double? value) => value is null ? "-" : value.Value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A coordinate in an SVG attribute: invariant, one decimal.</summary>
    public static string Coordinate(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
