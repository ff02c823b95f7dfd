using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class ProcessDiscoveryTests
{
    [Theory]
    [InlineData("dotnet-diagnostic-4613-1234567-socket", 4613)]
    [InlineData("dotnet-diagnostic-42-socket", 42)]
    [InlineData("dotnet-diagnostic-x-1-socket", null)]
    [InlineData("dotnet-diagnostic-12-1", null)]
    [InlineData("clr-debug-pipe-12-in", null)]
    public void Pid_is_read_from_the_socket_name(string fileName, int? pid) =>
        Assert.Equal(pid, DiagnosticSocket.ParsePid(fileName));

    [Fact]
    public void Runtime_version_comes_from_the_mapped_coreclr_path()
    {
        string[] maps = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so"];

        Assert.Equal("10.0.12", ProcessLister.FindRuntimeVersion(maps));
        Assert.Null(ProcessLister.FindRuntimeVersion(["/usr/bin/bash"]));
    }

    [Fact]
    public void A_self_contained_app_has_its_runtime_version_read_from_the_corelib_in_its_own_folder()
    {
        // A self-contained app maps libcoreclr.so and CoreLib from its own folder: no shared-framework folder names the version.
        var app = Directory.CreateTempSubdirectory("dbdoctor-test-selfcontained-").FullName;
        try
        {
            File.Copy(typeof(object).Assembly.Location, Path.Combine(app, "System.Private.CoreLib.dll"));
            string[] maps = [Path.Combine(app, "libcoreclr.so"), Path.Combine(app, "System.Private.CoreLib.dll")];

            Assert.Equal(Environment.Version.ToString(), ProcessLister.FindRuntimeVersion(maps));
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    [Fact]
    public void Drivers_are_recognised_by_assembly_file_name_once_each()
    {
        string[] maps =
        [
            "/app/Npgsql.dll", "/app/Npgsql.dll", "/app/Microsoft.Data.Sqlite.dll", "/app/Npgsql.DependencyInjection.dll",
            "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Data.Common.dll",
        ];

        var drivers = ProcessLister.FindDrivers(maps);

        Assert.Equal(["Npgsql", "Microsoft.Data.Sqlite"], drivers.Select(d => d.Name));
        Assert.All(drivers, d => Assert.Null(d.Version)); // the files do not exist: no version, no crash
    }

    [Fact]
    public void Current_process_is_found_with_its_own_runtime_and_socket()
    {
        // This test host is a real .NET process with a diagnostic socket of its own.
        var sockets = DiagnosticSocket.FindLiveSockets();
        Assert.True(sockets.ContainsKey(Environment.ProcessId));
        Assert.Null(DiagnosticSocket.Probe(sockets[Environment.ProcessId]));
        Assert.DoesNotContain(ProcessLister.List(), p => p.Pid == Environment.ProcessId);
    }
}
