using System.Data.Common;
using DbDoctor.TestApp;
using DbDoctor.TestApp.Scenarios;

// Each scenario reproduces one connection-pool failure, prints one JSON handshake line on stdout when its state is
// in place, then keeps running until stdin says "exit" (or closes). Diagnostics go to stderr only.
try
{
    if (args.Length == 0 || args[0] is "-h" or "--help")
    {
        Console.Error.WriteLine(ScenarioCatalog.Usage);
        return args.Length == 0 ? 2 : 0;
    }

    var options = AppOptions.Parse(args.Skip(1));
    return await ScenarioCatalog.RunAsync(args[0], options);
}
catch (TestAppUsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(ScenarioCatalog.Usage);
    return 2;
}
catch (DbException e)
{
    // Caught by the ADO.NET base class: naming a driver's exception type here would load that driver into every
    // scenario's process at start-up (the no-driver scenario must load none).
    var server = e.GetType().Namespace switch
    {
        "Npgsql" => "PostgreSQL is not usable: ",
        "MySqlConnector" => "MySQL is not usable: ",
        _ => "",
    };
    Console.Error.WriteLine($"error: {server}{e.Message}");
    return 2;
}
catch (ScenarioFailedException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
