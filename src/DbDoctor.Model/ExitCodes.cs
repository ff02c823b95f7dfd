namespace DbDoctor.Model;

/// <summary>The documented process exit codes (README "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>No finding of severity warning or error.</summary>
    public const int Healthy = 0;

    /// <summary>Command-line usage error.</summary>
    public const int Usage = 1;

    /// <summary>The input cannot be used: missing file, not a dump, no GC heap, bad pid, target not answering.</summary>
    public const int BadInput = 2;

    /// <summary>At least one finding of severity warning or error.</summary>
    public const int Findings = 3;

    /// <summary>An unexpected failure inside dbdoctor (a bug): the message is printed, the stack trace only with DBDOCTOR_DEBUG=1.</summary>
    public const int InternalError = 4;

    /// <summary>Interrupted with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// An expected failure: the input cannot be used. The CLI prints <see cref="Exception.Message"/> as one sentence
/// and exits with <see cref="ExitCodes.BadInput"/>; never a stack trace.
/// </summary>
public sealed class DbDoctorInputException : Exception
{
    public DbDoctorInputException(string message) : base(message) { }
    public DbDoctorInputException(string message, Exception inner) : base(message, inner) { }
}
