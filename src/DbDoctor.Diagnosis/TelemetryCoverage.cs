using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis;

/// <summary>
/// Whether telemetry alone (no heap snapshot: attach --no-heap) saw the pools of the drivers the target loaded. A driver
/// that publishes no pool telemetry (an embedded database) shows nothing to a telemetry-only run, and "no problems found"
/// over pools nobody saw would be a false all-clear that a CI gate would pass.
/// </summary>
public static class TelemetryCoverage
{
    /// <summary>Why the run cannot judge the target's pools, or null when it can (or a heap was read, or nothing is loaded).</summary>
    public static string? Inconclusive(DiagnosisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Heap is not null || input.Telemetry is not { TargetExited: false } telemetry || telemetry.Pools.Count > 0 || input.LoadedDrivers.Count == 0)
        {
            return null;
        }

        var silent = Silent(input);
        var heard = input.LoadedDrivers.Except(silent, StringComparer.Ordinal).ToList();
        if (heard.Count == 0)
        {
            var (verb, its) = silent.Count == 1 ? ("publishes", "its") : ("publish", "their");
            return $"{Text.List(silent, 5)} {verb} no pool telemetry and no heap snapshot was taken (--no-heap), so DbDoctor could not see {its} pools";
        }

        return $"no pool telemetry arrived from {Text.List(heard, 5)} in the {Text.Duration(telemetry.WindowSeconds)} window (no pool in use?) and no heap snapshot was taken (--no-heap), "
            + "so DbDoctor could not see the pools";
    }

    /// <summary>
    /// What to do about an inconclusive run; or, when pools were seen but some loaded driver publishes no telemetry, that
    /// its pools were not looked at. Null otherwise.
    /// </summary>
    public static string? Warning(DiagnosisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Inconclusive(input) is not null)
        {
            return $"Attach without --no-heap to judge this target: the heap snapshot shows the pools, connections, readers and transactions of {Text.List(input.LoadedDrivers, 5)}.";
        }

        if (input.Heap is not null || input.Telemetry is not { Pools.Count: > 0 } || Silent(input) is not { Count: > 0 } silent)
        {
            return null;
        }

        var (verb, its) = silent.Count == 1 ? ("publishes", "its") : ("publish", "their");
        return $"{Text.List(silent, 5)} {verb} no pool telemetry: without a heap snapshot (--no-heap) {its} pools were not looked at, and this report says nothing about them.";
    }

    /// <summary>
    /// With a heap snapshot: that the loaded drivers without pool telemetry are judged from the heap alone, said once and
    /// plainly (no live counters, so no leak rate or time to exhaustion for their pools). Null when there is none of them.
    /// </summary>
    public static string? HeapOnly(DiagnosisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Heap is null || input.Telemetry is null || Silent(input) is not { Count: > 0 } silent)
        {
            return null;
        }

        var (verb, its) = silent.Count == 1 ? ("publishes", "its") : ("publish", "their");
        return $"{Text.List(silent, 5)} {verb} no pool telemetry: {its} pools are judged from the heap snapshot alone (no live counters, so no leak rate or time to exhaustion for them).";
    }

    /// <summary>Whether no loaded driver publishes pool telemetry (then hearing none is no news).</summary>
    public static bool AllLoadedDriversAreSilent(DiagnosisInput input) =>
        input.LoadedDrivers.Count > 0 && Silent(input).Count == input.LoadedDrivers.Count;

    private static List<string> Silent(DiagnosisInput input) =>
        input.LoadedDrivers.Where(d => !input.Drivers.Resolve(d).Telemetry.PublishesPoolTelemetry).ToList();
}
