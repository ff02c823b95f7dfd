using System.Diagnostics;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Heap.Isolation;

/// <summary>
/// Tells a failure to read the dump from a bug of dbdoctor's: an exception raised inside ClrMD (or inside the .NET
/// library code ClrMD called) comes from the bytes of the dump, whatever its type ("Sequence contains more than one
/// element", a negative length, an I/O error at a truncated offset); one raised in dbdoctor's own code is a bug.
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
            if (assembly == ClrMd)
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

    public static DbDoctorInputException AsInput(string dumpPath, Exception exception) =>
        exception as DbDoctorInputException
        ?? new DbDoctorInputException($"'{dumpPath}' is a corrupt dump: the .NET runtime's data in it could not be read ({exception.GetType().Name}).", exception);
}
