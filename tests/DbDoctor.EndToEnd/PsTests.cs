using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd;

/// <summary>`dbdoctor ps` through the CLI: a real service is listed with its runtime and driver, and its secrets hidden.</summary>
[Collection("postgres")]
public sealed class PsTests(PostgresServer server)
{
    /// <summary>`ps --format json`, or its older spelling `ps --json`.</summary>
    private static async Task<List<JsonElement>> ListAsJsonAsync(params string[] format)
    {
        var result = await DbDoctorCli.RunAsync(["ps", .. format.Length == 0 ? ["--format", "json"] : format]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = result.ParseStdoutJson();
        return [.. document.RootElement.EnumerateArray().Select(p => p.Clone())];
    }

    [Fact]
    public async Task A_running_npgsql_service_is_listed_as_attachable_with_runtime_and_driver_version()
    {
        using var app = await TestApp.StartAsync("npgsql-healthy", "--pg", server.ConnectionString, "--app-name", $"e2e-ps-{Guid.NewGuid():N}"[..26]);
        var npgsqlVersion = typeof(Npgsql.NpgsqlConnection).Assembly.GetName().Version!.ToString(3);

        var listed = Assert.Single(await ListAsJsonAsync(), p => p.GetProperty("pid").GetInt32() == app.Pid);
        var alias = Assert.Single(await ListAsJsonAsync("--json"), p => p.GetProperty("pid").GetInt32() == app.Pid);
        var table = await DbDoctorCli.RunAsync("ps");
        var explicitTable = await DbDoctorCli.RunAsync("ps", "-f", "table");

        Assert.Equal(listed.ToString(), alias.ToString());
        Assert.Equal("Attachable", listed.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("statusDetail").ValueKind);
        Assert.Equal(Environment.Version.ToString(), listed.GetProperty("runtimeVersion").GetString());
        var npgsql = Assert.Single(listed.GetProperty("drivers").EnumerateArray(), d => d.GetProperty("name").GetString() == "Npgsql");
        Assert.Equal(npgsqlVersion, npgsql.GetProperty("version").GetString());
        var commandLine = listed.GetProperty("commandLine").GetString()!;
        Assert.Contains("DbDoctor.TestApp", commandLine, StringComparison.Ordinal);
        Assert.Contains("npgsql-healthy", commandLine, StringComparison.Ordinal);

        Assert.True(table.ExitCode == 0, table.ToString());
        var row = Assert.Single(table.Stdout.Split('\n'), l => l.TrimStart().StartsWith(app.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        Assert.Contains($"Npgsql {npgsqlVersion}", row, StringComparison.Ordinal);
        Assert.Contains("npgsql-healthy", row, StringComparison.Ordinal);
        Assert.True(explicitTable.ExitCode == 0, explicitTable.ToString());
        var explicitRow = Assert.Single(explicitTable.Stdout.Split('\n'), l => l.TrimStart().StartsWith(app.Pid.ToString(CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal));
        Assert.Contains($"Npgsql {npgsqlVersion}", explicitRow, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, table.AllOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, commandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_exited_is_no_longer_listed()
    {
        var app = await TestApp.StartAsync("npgsql-healthy", "--pg", server.ConnectionString, "--app-name", $"e2e-ps-{Guid.NewGuid():N}"[..26]);
        var pid = app.Pid;
        Assert.Contains(await ListAsJsonAsync(), p => p.GetProperty("pid").GetInt32() == pid);

        app.Dispose();

        Assert.DoesNotContain(await ListAsJsonAsync(), p => p.GetProperty("pid").GetInt32() == pid);
    }
}
