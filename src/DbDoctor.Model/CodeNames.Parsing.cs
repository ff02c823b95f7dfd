using System.Text;

namespace DbDoctor.Model;

/// <summary>
/// The parsing half of <see cref="CodeNames"/>: the runtime's spelling of a type name read into parts (namespaces, nested
/// types, generic arguments, array and pointer suffixes), and the bracket-aware string helpers the renderer shares.
/// </summary>
public static partial class CodeNames
{
    private sealed record Part(char Separator, string Text, List<Name> Arguments);

    private sealed record Name(List<Part> Parts, string Suffix);

    /// <summary>Splits a compiler-generated name <c>&lt;inner&gt;tail</c> (the inner part may itself be one).</summary>
    private static (string Inner, string Tail) Token(string text)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '<' ? 1 : text[i] == '>' ? -1 : 0;
            if (depth == 0)
            {
                return (text[1..i], text[(i + 1)..]);
            }
        }

        throw new FormatException("unbalanced name: " + text);
    }

    private static Name Parse(string text)
    {
        var position = 0;
        var name = ParseName(text, ref position);
        if (position != text.Length)
        {
            throw new FormatException("unexpected text in name: " + text);
        }

        return name;
    }

    private static Name ParseName(string s, ref int i)
    {
        var parts = new List<Part>();
        var separator = '\0';
        while (true)
        {
            var start = i;
            if (i < s.Length && s[i] == '<')
            {
                var depth = 0;
                do
                {
                    depth += s[i] == '<' ? 1 : s[i] == '>' ? -1 : 0;
                    i++;
                }
                while (depth > 0 && i < s.Length);

                if (depth != 0)
                {
                    throw new FormatException("unbalanced name: " + s);
                }
            }

            while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '`' or '|' or '$' or '-' or '@'))
            {
                i++;
            }

            if (i == start)
            {
                throw new FormatException("empty name part: " + s);
            }

            var arguments = new List<Name>();
            var text = s[start..i];
            if (i < s.Length && s[i] == '<')
            {
                i++;
                arguments.Add(ParseName(s, ref i));
                while (i < s.Length && s[i] == ',')
                {
                    i++;
                    while (i < s.Length && s[i] == ' ')
                    {
                        i++;
                    }

                    arguments.Add(ParseName(s, ref i));
                }

                Expect(s, ref i, '>');
            }
            else if (i + 1 < s.Length && s[i] == '[' && s[i + 1] == '[')
            {
                arguments.AddRange(ParseAssemblyQualifiedArguments(s, ref i));
            }

            parts.Add(new Part(separator, text, arguments));
            if (i < s.Length && s[i] is '.' or '+')
            {
                separator = s[i++];
                continue;
            }

            break;
        }

        var suffixStart = i;
        while (i < s.Length)
        {
            if (s[i] is '*' or '&')
            {
                i++;
            }
            else if (s[i] == '[' && i + 1 < s.Length && s[i + 1] is ']' or ',')
            {
                // An array rank: [] or [,,].
                var close = s.IndexOf(']', i);
                i = close < 0 ? throw new FormatException("unclosed array rank: " + s) : close + 1;
            }
            else
            {
                break;
            }
        }

        return new Name(parts, s[suffixStart..i]);
    }

    /// <summary>
    /// Generic arguments as the runtime's own type names spell them, each with its assembly:
    /// <c>[[System.Int32, System.Private.CoreLib],[Shop.Order, Shop]]</c> (ClrMD writes method and type instantiations so).
    /// </summary>
    private static List<Name> ParseAssemblyQualifiedArguments(string s, ref int i)
    {
        var arguments = new List<Name>();
        Expect(s, ref i, '[');
        do
        {
            Expect(s, ref i, '[');
            arguments.Add(ParseName(s, ref i));
            // The assembly name (", Shop" or ", Shop, Version=1.0.0.0, Culture=neutral, ...") carries no brackets.
            var close = s.IndexOf(']', i);
            i = close < 0 ? throw new FormatException("unclosed generic argument: " + s) : close + 1;
        }
        while (i < s.Length && s[i] == ',' && i + 1 < s.Length && s[++i] == '[');

        Expect(s, ref i, ']');
        return arguments;
    }

    private static void Expect(string s, ref int i, char expected)
    {
        if (i >= s.Length || s[i] != expected)
        {
            throw new FormatException($"expected '{expected}' in name: " + s);
        }

        i++;
    }

    private static string StripArity(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '`')
            {
                while (i + 1 < text.Length && char.IsDigit(text[i + 1]))
                {
                    i++;
                }

                continue;
            }

            builder.Append(text[i]);
        }

        return builder.ToString();
    }

    private static string Safe(string raw, Func<string> render)
    {
        try
        {
            return render();
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return StripArity(raw);
        }
    }

    private static int IndexAtDepthZero(string s, char c, int from)
    {
        var depth = 0;
        for (var i = from; i < s.Length; i++)
        {
            if (depth == 0 && s[i] == c)
            {
                return i;
            }

            depth += s[i] is '<' or '[' ? 1 : s[i] is '>' or ']' ? -1 : 0;
        }

        return -1;
    }

    private static int LastIndexAtDepthZero(string s, char c)
    {
        var depth = 0;
        for (var i = s.Length - 1; i >= 0; i--)
        {
            depth += s[i] is '>' or ']' ? 1 : s[i] is '<' or '[' ? -1 : 0;
            if (depth == 0 && s[i] == c)
            {
                return i;
            }
        }

        return -1;
    }

    private static List<string> SplitAtDepthZero(string s)
    {
        var parts = new List<string>();
        var start = 0;
        for (var next = IndexAtDepthZero(s, ',', 0); next >= 0; next = IndexAtDepthZero(s, ',', start))
        {
            parts.Add(s[start..next]);
            start = next + 1;
        }

        if (s[start..].Trim().Length > 0)
        {
            parts.Add(s[start..]);
        }

        return parts;
    }
}
