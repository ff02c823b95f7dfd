using System.Globalization;

namespace DbDoctor.Rendering;

/// <summary>How the console renderer lays text out. <see cref="ForCurrentConsole"/> picks what suits the real console.</summary>
public sealed record ConsoleRenderOptions
{
    public const int DefaultWidth = 120;

    /// <summary>Narrower than this, a report is not readable: a smaller terminal or COLUMNS is taken as this.</summary>
    public const int MinimumWidth = 40;

    /// <summary>ANSI colors. Off when output is redirected or NO_COLOR is set.</summary>
    public bool Color { get; init; }

    public int Width { get; init; } = DefaultWidth;

    /// <summary>Objects shown per finding; the JSON report has all of them.</summary>
    public int ObjectsPerFinding { get; init; } = 3;

    /// <summary>For standard output (<paramref name="toFile"/> false) or a file written with --output.</summary>
    public static ConsoleRenderOptions ForCurrentConsole(bool toFile = false)
    {
        var redirected = toFile || Console.IsOutputRedirected;
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
                      || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return new ConsoleRenderOptions
        {
            Color = !redirected && !noColor,
            Width = WidthFrom(Environment.GetEnvironmentVariable("COLUMNS"), redirected ? null : TerminalWidth()),
        };
    }

    /// <summary>
    /// The width to lay out for: COLUMNS when it is a number (shells set it for a terminal; a user sets it for a pipe or a
    /// file), else the terminal's width, else <see cref="DefaultWidth"/>; never below <see cref="MinimumWidth"/>.
    /// </summary>
    public static int WidthFrom(string? columns, int? terminalWidth)
    {
        if (int.TryParse(columns?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var fromColumns) && fromColumns > 0)
        {
            return Math.Max(MinimumWidth, fromColumns);
        }

        return terminalWidth is > 0 and var width ? Math.Max(MinimumWidth, width) : DefaultWidth;
    }

    private static int? TerminalWidth()
    {
        try
        {
            return Console.WindowWidth;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
