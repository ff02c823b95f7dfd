using System.Globalization;
using DbDoctor.Cli;
using DbDoctor.Commands;
using DbDoctor.Heap.Isolation;

// The analysis worker (dump, attach and demo start it with exactly these arguments) skips the command-line parser: building
// every command's options would only add compiled code and loaded assemblies to the worker's peak memory.
// After the three arguments come the symbol directories, each as "--symbols DIR".
if (args is [AnalysisWorkerCommand.Name, var dump, var symbols, var maxSql, .. var rest]
    && int.TryParse(maxSql, NumberStyles.None, CultureInfo.InvariantCulture, out var maxSqlLength)
    && rest.Length % 2 == 0
    && rest.Where((_, i) => i % 2 == 0).All(a => a == HeapWorker.SymbolsOption))
{
    return HeapWorker.Run(dump, symbols, maxSqlLength, rest.Where((_, i) => i % 2 == 1).ToList());
}

return await DbDoctorCli.RunAsync(args);
