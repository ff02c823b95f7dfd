using DbDoctor.EndToEnd.Infrastructure;
using DbDoctor.Telemetry;

namespace DbDoctor.EndToEnd;

/// <summary>`dbdoctor ps`: the process lister finds a real service, its runtime and its driver, and hides its secrets.</summary>
[Collection("postgres")]
public sealed class PsTests(PostgresServer server)
{
    [Fact]
    public async Task A_running_npgsql_service_is_listed_as_attachable_with_runtime_and_driver_version()
    {
        using var app = await TestApp.StartAsync("npgsql-healthy", "--pg", server.ConnectionString, "--app-name", $"e2e-ps-{Guid.NewGuid():N}"[..26]);

        var listed = Assert.Single(ProcessLister.List(), p => p.Pid == app.Pid);

        Assert.Equal(ProcessStatus.Attachable, listed.Status);
        Assert.Null(listed.StatusDetail);
        Assert.Equal(Environment.Version.ToString(), listed.RuntimeVersion);
        var npgsql = Assert.Single(listed.Drivers, d => d.Name == "Npgsql");
        Assert.Equal(typeof(Npgsql.NpgsqlConnection).Assembly.GetName().Version!.ToString(3), npgsql.Version);
        Assert.Contains("DbDoctor.TestApp", listed.CommandLine, StringComparison.Ordinal);
        Assert.Contains("npgsql-healthy", listed.CommandLine, StringComparison.Ordinal);
        Assert.DoesNotContain(PostgresServer.Password, listed.CommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_exited_is_no_longer_listed()
    {
        var app = await TestApp.StartAsync("npgsql-healthy", "--pg", server.ConnectionString, "--app-name", $"e2e-ps-{Guid.NewGuid():N}"[..26]);
        var pid = app.Pid;
        Assert.Contains(ProcessLister.List(), p => p.Pid == pid);

        app.Dispose();

        Assert.DoesNotContain(ProcessLister.List(), p => p.Pid == pid);
    }
}
