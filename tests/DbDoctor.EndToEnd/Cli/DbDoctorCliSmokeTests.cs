using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>The CLI as a user runs it, on real dumps of the test app: the plumbing, not every rule.</summary>
[Collection("postgres")]
public sealed class DbDoctorCliSmokeTests(PostgresServer server)
{
    [Fact]
    public async Task Help_lists_the_dump_command()
    {
        var result = await DbDoctorCli.RunAsync("--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("dump", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_of_a_sqlite_transaction_leak_gives_a_json_report_naming_the_leaks()
    {
        var dump = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");

        var result = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", "json");

        Assert.True(result.ExitCode == 3, result.ToString());
        using var report = result.ParseStdoutJson();
        Assert.Equal("dbdoctor/report@1", report.RootElement.GetProperty("schema").GetString());
        Assert.Equal(dump.ExpectedCount("leaked-transaction"), CountOf(report, "leaked-transaction", "sqlite"));
    }

    [Fact]
    public async Task Dump_of_an_npgsql_transaction_leak_never_prints_the_password()
    {
        var dump = await DumpCache.GetAsync("npgsql-transaction-leak", "--pg", server.ConnectionString, "--count", "3");

        var console = await DbDoctorCli.RunAsync("dump", dump.Path);
        var json = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", "json");
        var markdown = await DbDoctorCli.RunAsync("dump", dump.Path, "--format", "markdown");

        Assert.True(json.ExitCode == 3, json.ToString());
        Assert.True(markdown.ExitCode == 3, markdown.ToString());
        Assert.DoesNotContain(PostgresServer.Password, console.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, json.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, markdown.AllOutput, StringComparison.Ordinal);
        using var report = json.ParseStdoutJson();
        Assert.Equal(dump.ExpectedCount("leaked-transaction"), CountOf(report, "leaked-transaction", "npgsql"));
    }

    /// <summary>Sum of the counts of a kind's findings for one driver (driver names compared case-insensitively).</summary>
    private static int CountOf(JsonDocument report, string kind, string driver) =>
        report.RootElement.GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() == kind
                && f.GetProperty("driver").GetString()!.Contains(driver, StringComparison.OrdinalIgnoreCase))
            .Sum(f => f.GetProperty("count").GetInt32());
}
