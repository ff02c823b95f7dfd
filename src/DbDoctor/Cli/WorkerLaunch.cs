using DbDoctor.Commands;
using DbDoctor.Heap.Isolation;

namespace DbDoctor.Cli;

/// <summary>How this dbdoctor starts itself as the analysis worker: the tool's executable, or the dotnet host and dbdoctor.dll.</summary>
public static class WorkerLaunch
{
    public static WorkerCommand Current()
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The path of the dbdoctor executable is unknown.");
        var dll = typeof(WorkerLaunch).Assembly.Location;
        var underDotnetHost = Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return new WorkerCommand(host, underDotnetHost ? [dll, AnalysisWorkerCommand.Name] : [AnalysisWorkerCommand.Name]);
    }
}
