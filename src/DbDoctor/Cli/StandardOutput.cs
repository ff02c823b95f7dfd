using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>
/// Writes to stdout. A stdout that cannot take the text (a full disk, /dev/full, a closed pipe) is an output
/// problem of the caller's making, so it is bad input (exit 2) in one sentence, not an internal error.
/// </summary>
public static class StandardOutput
{
    public static async Task WriteAsync(string text)
    {
        try
        {
            await Console.Out.WriteAsync(text).ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new DbDoctorInputException($"Cannot write to standard output: {e.Message.TrimEnd('.')}.", e);
        }
    }
}
