using System.Collections;

namespace DbDoctor.Telemetry;

/// <summary>One EventCounters sample: the counter name and its value (Mean for gauges, Increment for rates).</summary>
public sealed record EventCounterValue(string Name, double Value, bool IsIncrement);

/// <summary>
/// Reads the EventCounters payload. TraceEvent hands it over as one unnamed field holding a dictionary whose
/// .Keys throws; enumerating its key/value pairs works, so that is all this does.
/// </summary>
public static class EventCounterPayload
{
    public static EventCounterValue? Parse(object? payloadField)
    {
        var fields = AsPairs(payloadField);
        if (fields is null)
        {
            return null;
        }

        // Some shapes wrap the real fields in an inner "Payload" entry.
        if (fields.TryGetValue("Payload", out var inner) && AsPairs(inner) is { } innerFields)
        {
            fields = innerFields;
        }

        if (!fields.TryGetValue("Name", out var nameObject) || nameObject is not string name)
        {
            return null;
        }

        if (fields.TryGetValue("Increment", out var increment) && MetricTags.ParseNumber(increment) is { } inc)
        {
            return new EventCounterValue(name, inc, IsIncrement: true);
        }

        if (fields.TryGetValue("Mean", out var mean) && MetricTags.ParseNumber(mean) is { } m)
        {
            return new EventCounterValue(name, m, IsIncrement: false);
        }

        return null;
    }

    private static Dictionary<string, object?>? AsPairs(object? value)
    {
        switch (value)
        {
            case IEnumerable<KeyValuePair<string, object?>> typed:
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var pair in typed)
                {
                    result[pair.Key] = pair.Value;
                }

                return result;
            }
            case IDictionary dictionary:
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (entry.Key is string key)
                    {
                        result[key] = entry.Value;
                    }
                }

                return result;
            }
            default:
                return null;
        }
    }
}
