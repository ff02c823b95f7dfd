using System.Data.Common;
using DbDoctor.TestApp;
using DbDoctor.TestApp.Scenarios;

// The app `dbdoctor demo` starts (the tool's demo/ folder): the test app's SQLite scenarios, same handshake (one JSON
// line on stdout once the failure is in place, then it waits for "exit" on stdin). Diagnostics go to stderr only.
var table = new ScenarioTable(
    "usage: DbDoctor.DemoApp <scenario> [--count N] [--sqlite-dir DIR] [...]",
    new Dictionary<string, ScenarioSetup>(StringComparer.Ordinal)
    {
        ["sqlite-transaction-leak"] = SqliteScenarios.TransactionLeakAsync,
        ["sqlite-reader-leak"] = SqliteScenarios.ReaderLeakAsync,
        ["sqlite-sprawl"] = SqliteScenarios.SprawlAsync,
        ["sqlite-mixed"] = SqliteScenarios.MixedAsync,
        ["sqlite-held"] = SqliteHolderScenarios.HeldAsync,
    });

try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.Error.WriteLine(table.Usage);
        return args.Length == 0 ? 2 : 0;
    }

    return await table.RunAsync(args[0], AppOptions.Parse(args.Skip(1)));
}
catch (TestAppUsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(table.Usage);
    return 2;
}
catch (Exception e) when (e is DbException or ScenarioFailedException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
