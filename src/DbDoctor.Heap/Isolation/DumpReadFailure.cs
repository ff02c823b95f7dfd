using System.Diagnostics;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Isolation;

/// <summary>
/// Tells a failure to read the dump from a bug of dbdoctor's, by WHERE it was thrown, not by its type: an exception
/// raised inside the dump-reading layer (ClrMD, the .NET library code ClrMD called, and dbdoctor's own raw-byte readers
/// marked <see cref="DumpReadingLayerAttribute"/>) comes from the bytes of the dump, whatever its type ("Sequence contains
/// more than one element", a negative length, an I/O error at a truncated offset); one raised in the rest of dbdoctor
/// (traversal, fact assembly, driver knowledge, rules) is a bug, even a NullReferenceException caused by odd data,
/// because our code must check what the layer returns.
/// </summary>
internal static class DumpReadFailure
{
    private static readonly System.Reflection.Assembly ClrMd = typeof(DataTarget).Assembly;
    private static readonly System.Reflection.Assembly Engine = typeof(DumpReadFailure).Assembly;

    public static bool IsFromDumpReading(Exception exception)
    {
        if (exception is DbDoctorInputException)
        {
            return true;
        }

        // The innermost frame that belongs to ClrMD or to dbdoctor decides; frames of the base library in between do not.
        foreach (var frame in new StackTrace(exception, fNeedFileInfo: false).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly;
            if (assembly == ClrMd || IsReaderOfDumpBytes(frame.GetMethod()?.DeclaringType))
            {
                return true;
            }

            if (assembly == Engine || assembly?.GetName().Name?.StartsWith("DbDoctor", StringComparison.Ordinal) == true)
            {
                return false;
            }
        }

        return exception.InnerException is { } inner && IsFromDumpReading(inner);
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
