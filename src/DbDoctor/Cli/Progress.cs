namespace DbDoctor.Cli;

/// <summary>
/// Progress for long work goes to stderr so stdout stays a clean report (JSON can be piped). It is shown only when
/// stderr is a terminal, unless DBDOCTOR_PROGRESS=1 forces it (useful in CI logs).
/// </summary>
public sealed class StderrProgress : IProgress<string>
{
    private readonly bool _enabled =
        !Console.IsErrorRedirected || Environment.GetEnvironmentVariable("DBDOCTOR_PROGRESS") == "1";

    public void Report(string value)
    {
        if (_enabled)
        {
            Console.Error.WriteLine($"  {value}");
        }
    }
}
