namespace DbDoctor.Rendering;

/// <summary>How the console renderer lays text out. <see cref="ForCurrentConsole"/> picks what suits the real console.</summary>
public sealed record ConsoleRenderOptions
{
    public const int DefaultWidth = 120;

    /// <summary>ANSI colors. Off when output is redirected or NO_COLOR is set.</summary>
    public bool Color { get; init; }

    public int Width { get; init; } = DefaultWidth;

    /// <summary>Objects shown per finding; the JSON report has all of them.</summary>
    public int ObjectsPerFinding { get; init; } = 3;

    public static ConsoleRenderOptions ForCurrentConsole()
    {
        var redirected = Console.IsOutputRedirected;
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
                      || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
        return new ConsoleRenderOptions
        {
            Color = !redirected && !noColor,
            Width = redirected ? DefaultWidth : TerminalWidth(),
        };
    }

    private static int TerminalWidth()
    {
        try
        {
            var width = Console.WindowWidth;
            return width >= 40 ? width : DefaultWidth;
        }
        catch (IOException)
        {
            return DefaultWidth;
        }
    }
}
