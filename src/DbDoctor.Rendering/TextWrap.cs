using System.Text.RegularExpressions;

namespace DbDoctor.Rendering;

/// <summary>
/// Word wrapping for the console report: lines break at spaces, never inside a word. A token longer than the line (a
/// connection string, a path, a type name) breaks after one of its separators, as late as fits (<c>; , /</c> before
/// <c>. + &gt; = -</c>...); only a token with no separator at all is cut at the width.
/// </summary>
public static partial class TextWrap
{
    [GeneratedRegex(@"(?<gap> *)(?<word>[^ ]+)")]
    private static partial Regex Token();

    private const int MinimumWidth = 10;
    // Between the parts of a connection string, a path or a list first; else between the parts of a name.
    private const string StrongBreaks = ";,/";
    private const string WeakBreaks = ".+>)]:&?|=-";

    public static List<string> Lines(string text, int width) => Lines(text, width, width);

    /// <summary>The first line at most <paramref name="firstWidth"/> long, the others at most <paramref name="restWidth"/>.</summary>
    public static List<string> Lines(string text, int firstWidth, int restWidth)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            Wrap(paragraph, lines, firstWidth, restWidth);
        }

        return lines;
    }

    private static void Wrap(string paragraph, List<string> lines, int firstWidth, int restWidth)
    {
        var first = lines.Count;
        int Width() => Math.Max(MinimumWidth, lines.Count == 0 ? firstWidth : restWidth);
        var line = "";
        foreach (Match match in Token().Matches(paragraph))
        {
            // The spaces before a word are kept within a line ("x2  Acme") and dropped where the line breaks.
            var gap = match.Groups["gap"].Value;
            var word = match.Groups["word"].Value;
            while (word.Length > 0)
            {
                var room = line.Length == 0 ? Width() : Width() - line.Length - gap.Length;
                if (word.Length <= room)
                {
                    line = line.Length == 0 ? word : line + gap + word;
                    break;
                }

                // Too long for what is left of this line: a word that fits on a line of its own starts the next one;
                // a longer one is broken at a separator, on this line if a piece fits.
                var cut = word.Length > Width() ? CutAt(word, room) : 0;
                if (cut > 0)
                {
                    line = line.Length == 0 ? word[..cut] : line + gap + word[..cut];
                    word = word[cut..];
                }
                else if (line.Length == 0)
                {
                    var hard = CutAt(word, Width());
                    line = word[..(hard > 0 ? hard : Width())];
                    word = word[line.Length..];
                }

                lines.Add(line);
                line = "";
            }
        }

        if (line.Length > 0 || lines.Count == first)
        {
            lines.Add(line);
        }
    }

    /// <summary>The longest prefix of <paramref name="word"/> within <paramref name="room"/> that ends with a separator, or 0.</summary>
    private static int CutAt(string word, int room)
    {
        foreach (var breaks in new[] { StrongBreaks, WeakBreaks })
        {
            for (var i = Math.Min(room, word.Length - 1); i > 0; i--)
            {
                if (breaks.Contains(word[i - 1], StringComparison.Ordinal))
                {
                    return i;
                }
            }
        }

        return 0;
    }
}
