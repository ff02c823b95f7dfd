namespace DbDoctor.Model;

/// <summary>
/// What the user reads when dbdoctor itself fails (exit <see cref="ExitCodes.InternalError"/>): one line that says it is
/// a bug, what failed, and where to report it; the stack trace only when DBDOCTOR_DEBUG=1 asks for it.
/// </summary>
public static class InternalErrorText
{
    public const string DebugVariable = "DBDOCTOR_DEBUG";

    public const string WhereToReport =
        "this is a bug in dbdoctor, not a problem with the input: please report it on the DbDoctor issue tracker with the output of the same command run with " + DebugVariable + "=1";

    public static string For(Exception exception, bool debug)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var line = $"dbdoctor: internal error: {FirstLine(exception.Message)} ({WhereToReport}).";
        return debug ? line + Environment.NewLine + exception : line;
    }

    public static bool DebugRequested => Environment.GetEnvironmentVariable(DebugVariable) == "1";

    private static string FirstLine(string message)
    {
        var text = message.Trim();
        var end = text.IndexOfAny(['\r', '\n']);
        var first = (end < 0 ? text : text[..end]).TrimEnd('.', ' ');
        return first.Length == 0 ? "unexpected failure" : first;
    }
}
