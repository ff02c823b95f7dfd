using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>The human formats tell the same story as the JSON report (which the scenario tests check in detail).</summary>
[Collection("sqlite-dumps")]
public sealed class DumpFormatTests
{
    [Theory]
    [InlineData("console")]
    [InlineData("markdown")]
    [InlineData("html")]
    public async Task Human_formats_name_every_finding_kind_of_the_json_report(string format)
    {
        var dump = await DumpCache.GetAsync("sqlite-mixed");
        var json = await DumpReport.OfAsync(dump);

        var result = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", format);

        Assert.True(result.ExitCode == 3, result.ToString());
        var kinds = json.Findings.Where(DumpReport.IsProblem).Select(DumpReport.Kind).Distinct().ToList();
        Assert.Equal(["leaked-connection", "leaked-transaction", "pool-sprawl"], kinds.Order());
        Assert.All(kinds, kind => Assert.Contains(kind, result.Stdout, StringComparison.Ordinal));
    }
}
