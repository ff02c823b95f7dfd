using System.Globalization;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis;

/// <summary>
/// Whether the walk saw the whole heap. A healthy dump has no unreadable segment and no reference to an unreadable
/// object (measured: 0 on every scenario dump); a corrupt one can hide most of the heap, and "no problems found" over a
/// heap that was not read would be a false all-clear.
/// </summary>
public static class HeapCoverage
{
    // More than one unreadable reference per thousand live objects: past what a dump written mid-allocation explains.
    private const long LiveObjectsPerUnreadable = 1000;

    public static bool IsIncomplete(HeapStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return stats.UnreadableSegments > 0 || stats.UnreadableObjects * LiveObjectsPerUnreadable > stats.ObjectsMarkedLive;
    }

    public static string Warning(HeapStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var segments = stats.UnreadableSegments > 0
            ? $"{stats.UnreadableSegments.ToString(CultureInfo.InvariantCulture)} of {stats.Segments.ToString(CultureInfo.InvariantCulture)} heap segments could not be read"
            : null;
        var objects = stats.UnreadableObjects > 0
            ? $"{stats.UnreadableObjects.ToString("N0", CultureInfo.InvariantCulture)} references led to unreadable objects (beside {stats.ObjectsMarkedLive.ToString("N0", CultureInfo.InvariantCulture)} read)"
            : null;
        var what = string.Join(" and ", new[] { segments, objects }.OfType<string>());
        return $"The heap was only partly read ({what}): the dump is damaged, and what lives in the unread part is not in this report, so an absence of findings proves nothing.";
    }
}
