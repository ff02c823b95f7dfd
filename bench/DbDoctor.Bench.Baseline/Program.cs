using System.Diagnostics;
using System.Globalization;
using Microsoft.Diagnostics.Runtime;

// The floor for any ClrMD-based tool (dotnet-dump's dumpheap included): open the dump and visit every object on the
// heap once, reading its type and size. Prints "objects=<n> bytes=<n> seconds=<s>" on stdout.
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: DbDoctor.Bench.Baseline <dump-file>");
    return 2;
}

var watch = Stopwatch.StartNew();
var symbols = Path.Combine(Path.GetTempPath(), "dbdoctor-bench-baseline-symbols-" + Environment.ProcessId);
try
{
    using var dataTarget = DataTarget.LoadDump(args[0], new DataTargetOptions { SymbolCachePath = symbols, SymbolPaths = [] });
    using var runtime = dataTarget.ClrVersions[0].CreateRuntime();
    long objects = 0;
    long bytes = 0;
    foreach (var obj in runtime.Heap.EnumerateObjects())
    {
        if (obj.Type is not null)
        {
            objects++;
            bytes += (long)obj.Size;
        }
    }

    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"objects={objects} bytes={bytes} seconds={watch.Elapsed.TotalSeconds:0.000}"));
    return 0;
}
finally
{
    if (Directory.Exists(symbols))
    {
        Directory.Delete(symbols, recursive: true);
    }
}
