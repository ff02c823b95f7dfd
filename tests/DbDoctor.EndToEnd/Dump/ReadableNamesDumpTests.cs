using System.Text.RegularExpressions;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// Holders, root paths and stacks read in C# terms in every format: no compiler-generated name (display classes, lambda
/// and state machine names, generic arity, backing fields) reaches a report of the scenario dumps.
/// </summary>
[Collection("sqlite-dumps")]
public sealed partial class ReadableNamesDumpTests
{
    /// <summary>What the compiler and the runtime spell that people do not: <c>&lt;&gt;c__DisplayClass1_0</c>, <c>&lt;Main&gt;b__1</c>, <c>&lt;&lt;Main&gt;b__1&gt;d</c>, <c>List`1</c>, <c>MoveNext</c>.</summary>
    [GeneratedRegex(@"<>|>[a-z]__|__DisplayClass|k__BackingField|`\d|>d\b|\bMoveNext\b|\|\d+_\d+")]
    internal static partial Regex CompilerGenerated();

    [GeneratedRegex("<[^<>]*>")]
    private static partial Regex Tag();

    /// <summary>An HTML page's text as a browser shows it: tags dropped, entities decoded.</summary>
    internal static string VisibleText(string html) => System.Net.WebUtility.HtmlDecode(Tag().Replace(html, " "));

    internal static void AssertNoCompilerGeneratedName(string output, string what)
    {
        var match = CompilerGenerated().Match(output);
        if (match.Success)
        {
            var line = output[(output.LastIndexOf('\n', match.Index) + 1)..];
            Assert.Fail($"{what} shows a compiler-generated name ('{match.Value}'): {line[..Math.Min(line.Length, 300)]}");
        }
    }

    [Theory]
    [InlineData("sqlite-held", "console")]
    [InlineData("sqlite-held", "json")]
    [InlineData("sqlite-held", "markdown")]
    [InlineData("sqlite-held", "html")]
    [InlineData("sqlite-mixed", "console")]
    [InlineData("sqlite-mixed", "json")]
    [InlineData("sqlite-mixed", "markdown")]
    [InlineData("generic-leak", "console")]
    [InlineData("generic-leak", "json")]
    public async Task No_compiler_generated_name_in_the_report(string scenario, string format)
    {
        var dump = await DumpCache.GetAsync(scenario);

        var result = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", format);

        Assert.True(result.ExitCode is 0 or 3, result.ToString());
        AssertNoCompilerGeneratedName(format == "html" ? VisibleText(result.Stdout) : result.Stdout, $"{scenario} ({format})");
    }

    [Fact]
    public async Task A_thread_started_with_a_lambda_shows_the_lambda_and_an_async_holder_its_method_in_the_root_path()
    {
        var dump = await DumpCache.GetAsync("sqlite-held");
        var report = await DumpReport.OfAsync(dump);
        var objects = report.ObjectsOf("held-connection").ToList();
        var scenarios = "DbDoctor.TestApp.Scenarios.SqliteHolderScenarios";

        // The worker thread runs HoldOnStack from a lambda of HeldAsync: new Thread(() => HoldOnStack(...)).
        var stackHeld = objects.Single(o => DumpReport.StringOrNull(o, "holder") == $"{scenarios}.HoldOnStack");
        Assert.Contains($"lambda in {scenarios}.HeldAsync", DumpReport.Strings(stackHeld, "holderStack"));
        Assert.Contains($"{scenarios}.HoldOnStack(string, TaskCompletionSource, CancellationToken)", DumpReport.Strings(stackHeld, "holderStack"));

        // The async holder's box is the running method in its root path, and a backing field reads as its property.
        var asyncHeld = objects.Single(o => DumpReport.StringOrNull(o, "holder") == $"async {scenarios}.HoldInAsyncMethodAsync");
        var path = DumpReport.Strings(asyncHeld, "rootPath");
        Assert.Contains($"async {scenarios}.HoldInAsyncMethodAsync", path);
        Assert.Contains("static System.Threading.TimerQueue.Instances", path);

        // A connection an async lambda holds: named after the method the lambda is written in, as is its await chain.
        var lambda = dump.Info.GetProperty("lambdaHolder").GetString()!;
        var lambdaHeld = objects.Single(o => DumpReport.StringOrNull(o, "holder") == lambda);
        Assert.Contains(lambda, DumpReport.Strings(lambdaHeld, "holderStack"));
    }
}
