using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DbDoctor.Model.Reports;

namespace DbDoctor.Rendering;

/// <summary>The "dbdoctor/report@1" JSON contract: camelCase, indented, nulls written, properties in declaration order (schema first).</summary>
public sealed class JsonRenderer : ReportRenderer
{
    public static JsonSerializerOptions SerializerOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    protected override string Write(Report redacted) => JsonSerializer.Serialize(redacted, SerializerOptions) + Environment.NewLine;
}
