using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>
/// Runs a command body and maps failures to the documented exit codes: bad input is one sentence on stderr and
/// exit 2, Ctrl+C is exit 130, anything else is an internal error (exit 4): one line with the message and where to report it,
/// the stack trace only with DBDOCTOR_DEBUG=1.
/// </summary>
public static class CommandGuard
{
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C wins over whatever the interruption broke on its way out (a dump cut short, a worker killed):
            // the user asked to stop, and the snapshot's own cleanup has already run.
            await Console.Error.WriteLineAsync("dbdoctor: cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
        catch (DbDoctorInputException ex)
        {
            await Console.Error.WriteLineAsync($"dbdoctor: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
#pragma warning disable CA1031 // The last line of defence: a user must never see a raw stack trace.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await Console.Error.WriteLineAsync(InternalErrorText.For(ex, InternalErrorText.DebugRequested)).ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }
}
