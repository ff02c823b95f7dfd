using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DbDoctor.TestApp;

/// <summary>What a scenario promises: the count per dbdoctor finding kind, and facts the tests can check.</summary>
public sealed class ScenarioOutcome
{
    public Dictionary<string, int> Expected { get; } = new(StringComparer.Ordinal);
    public JsonObject Info { get; } = [];
}

/// <summary>
/// The one line a scenario writes on stdout once its failure is in place (dotnet-monitor style), and the wait for the
/// "exit" line on stdin that ends it.
/// </summary>
public static class Handshake
{
    // Readable messages ("database is locked" rather than \u0027 escapes); the line is never embedded in HTML.
    private static readonly JsonSerializerOptions LineFormat = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(string scenario, ScenarioOutcome outcome)
    {
        // Leaked objects must be unreachable by the time anyone looks: collect so only what something still holds remains.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var expected = new JsonObject();
        foreach (var (kind, count) in outcome.Expected)
        {
            expected[kind] = count;
        }

        var line = new JsonObject
        {
            ["ready"] = true,
            ["pid"] = Environment.ProcessId,
            ["scenario"] = scenario,

            // The runtime's product version (8.0.31, 10.0.12): what dbdoctor must report as the target's runtime.
            ["runtime"] = Environment.Version.ToString(),
            ["expected"] = expected,
            ["info"] = outcome.Info.DeepClone(),
        };
        Console.Out.WriteLine(line.ToJsonString(LineFormat));
        Console.Out.Flush();
    }

    /// <summary>Returns when stdin receives a line "exit" or reaches end of file.</summary>
    public static async Task WaitForExitAsync()
    {
        using var stdin = new StreamReader(Console.OpenStandardInput());
        while (await stdin.ReadLineAsync() is { } line)
        {
            if (line.Trim().Equals("exit", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }
    }
}
