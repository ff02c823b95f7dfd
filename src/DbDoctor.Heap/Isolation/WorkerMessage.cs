using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DbDoctor.Model.Facts;

namespace DbDoctor.Heap.Isolation;

/// <summary>One line of the analysis worker's protocol on its standard output.</summary>
internal sealed record WorkerMessage
{
    public const string ProgressKind = "progress";
    public const string FactsKind = "facts";
    public const string InputKind = "input";
    public const string InternalKind = "internal";

    public required string Kind { get; init; }
    public string? Message { get; init; }

    /// <summary>The exception's full text for an internal error (shown with DBDOCTOR_DEBUG=1).</summary>
    public string? Detail { get; init; }
    public HeapFacts? Facts { get; init; }

    /// <summary>
    /// The message as one line of JSON, through generated serialization code: the reflection-based serializer costs the
    /// worker several megabytes of metadata and compiled code, which would add to its peak memory (bench/RESULTS.md).
    /// </summary>
    public string ToLine() => JsonSerializer.Serialize(this, WorkerMessageJson.Default.WorkerMessage);

    /// <summary>
    /// A progress line, written by hand: progress is reported during the heap walk, and loading the JSON library then
    /// would add it to the worker's peak memory. The parent reads it like any other line.
    /// </summary>
    public static string ProgressLine(string message)
    {
        var line = new StringBuilder("{\"Kind\":\"").Append(ProgressKind).Append("\",\"Message\":\"");
        foreach (var c in message)
        {
            _ = c switch
            {
                '"' => line.Append("\\\""),
                '\\' => line.Append("\\\\"),
                < ' ' => line.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                _ => line.Append(c),
            };
        }

        return line.Append("\"}").ToString();
    }

    /// <summary>Null for a line that is not a message (anything else a library printed).</summary>
    public static WorkerMessage? Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(line, WorkerMessageJson.Default.WorkerMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The worker protocol's serialization, generated at build time.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkerMessage))]
internal sealed partial class WorkerMessageJson : JsonSerializerContext;
