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

    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public string ToLine() => JsonSerializer.Serialize(this, Options);

    /// <summary>Null for a line that is not a message (anything else a library printed).</summary>
    public static WorkerMessage? Parse(string line)
    {
        if (!line.StartsWith('{'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<WorkerMessage>(line, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
