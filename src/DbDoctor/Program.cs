using System.Globalization;
using DbDoctor.Cli;
using DbDoctor.Commands;
using DbDoctor.Heap.Isolation;

// The analysis worker (dump, attach and demo start it with exactly these arguments) skips the command-line parser: building
// every command's options would only add compiled code and loaded assemblies to the worker's peak memory.
if (args is [AnalysisWorkerCommand.Name, var dump, var symbols, var maxSql] && int.TryParse(maxSql, NumberStyles.None, CultureInfo.InvariantCulture, out var maxSqlLength))
{
    return HeapWorker.Run(dump, symbols, maxSqlLength);
}

return await DbDoctorCli.RunAsync(args);
