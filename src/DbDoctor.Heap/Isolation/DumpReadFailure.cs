using System.Diagnostics;
using System.Reflection;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Isolation;

/// <summary>What a failure of the heap analysis means for the user.</summary>
public enum AnalysisFailure
{
    /// <summary>The dump's bytes could not be read: bad input, exit 2 ("not a readable dump").</summary>
    UnreadableDump,

    /// <summary>dbdoctor's own analysis code failed: a bug, exit 4.</summary>
    InternalError,
}

/// <summary>
/// Tells a failure to read the dump from a bug of dbdoctor's, by WHERE it was thrown, not by its type: an exception
/// raised inside the dump-reading layer (ClrMD, the .NET library code ClrMD called, and dbdoctor's own raw-byte readers
/// marked <see cref="DumpReadingLayerAttribute"/>) comes from the bytes of the dump, whatever its type ("Sequence contains
/// more than one element", a negative length, an I/O error at a truncated offset); one raised in the rest of dbdoctor
/// (traversal, fact assembly, driver knowledge, rules) is a bug, even a NullReferenceException caused by odd data,
/// because our code must check what the layer returns.
/// </summary>
public static class DumpReadFailure
{
    private static readonly Assembly ClrMd = typeof(DataTarget).Assembly;

    public static AnalysisFailure Classify(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is DbDoctorInputException)
        {
            return AnalysisFailure.UnreadableDump;
        }

        // The innermost frame that belongs to ClrMD or to dbdoctor decides; base-library frames above it do not (a LINQ
        // call that throws decides nothing: who called it does).
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: false).GetFrames())
        {
            var type = frame.GetMethod()?.DeclaringType;
            if (type?.Assembly == ClrMd || IsReaderOfDumpBytes(type))
            {
                return AnalysisFailure.UnreadableDump;
            }

            if (type?.Assembly.GetName().Name?.StartsWith("DbDoctor", StringComparison.Ordinal) == true)
            {
                return AnalysisFailure.InternalError;
            }
        }

        // No deciding frame (an exception built, not thrown, around another): its cause decides; with none, it is ours.
        return exception.InnerException is { } inner ? Classify(inner) : AnalysisFailure.InternalError;
    }

    private static bool IsReaderOfDumpBytes(Type? type)
    {
        // Lambdas and iterators are nested compiler types: the marked class is their declaring type.
        for (var t = type; t is not null; t = t.DeclaringType)
        {
            if (t.IsDefined(typeof(DumpReadingLayerAttribute), inherit: false))
            {
                return true;
            }
        }

        return false;
    }

    public static DbDoctorInputException AsInput(string dumpPath, Exception exception) =>
        exception as DbDoctorInputException
        ?? new DbDoctorInputException($"'{dumpPath}' is a corrupt dump: the .NET runtime's data in it could not be read ({exception.GetType().Name}).", exception);
}
