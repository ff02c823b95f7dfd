using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>How every format spells an origin and the trace summary, so they read the same.</summary>
public static class OriginText
{
    /// <summary>Application frames shown per object; the JSON keeps them all, and the whole stack.</summary>
    public const int FramesShown = 4;

    /// <summary>"execute at 16:34:49Z: Shop.Billing.Charge ← Shop.Orders.Checkout"</summary>
    public static string Of(OriginReport origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var time = origin.Time.Length >= 19 && origin.Time.Contains('T', StringComparison.Ordinal) ? origin.Time[11..19] + "Z" : origin.Time;
        var frames = origin.Frames.Count == 0
            ? "no application frame"
            : string.Join(" ← ", origin.Frames.Take(FramesShown)) + (origin.Frames.Count > FramesShown ? " ← …" : "");
        return $"{origin.Operation} at {time}: {frames}";
    }

    /// <summary>"Trace: 1007 driver operations traced; origin known for 9 of 13 leaked or held connections"</summary>
    public static string Summary(TraceReport trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var total = trace.Attributed + trace.Unattributed;
        return $"Trace: {trace.Operations} driver operations traced; origin known for {trace.Attributed} of {total} leaked or held connection{(total == 1 ? "" : "s")}";
    }
}
