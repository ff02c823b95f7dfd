using System.Diagnostics;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Cli;

/// <summary>
/// A dbdoctor run whose stderr is watched line by line, so a test can act (send a signal, kill the target) at a named
/// point of the run (a progress line with DBDOCTOR_PROGRESS=1) instead of after a guessed delay.
/// </summary>
public sealed class WatchedCli : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly List<string> _stderr = [];
    private readonly List<(string Marker, TaskCompletionSource Seen)> _waits = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private WatchedCli(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_stderr)
            {
                _stderr.Add(e.Data);
                foreach (var (marker, seen) in _waits.Where(w => e.Data.Contains(w.Marker, StringComparison.Ordinal)))
                {
                    seen.TrySetResult();
                }
            }
        };
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public static WatchedCli Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var info = ChildProcess.StartInfo(ChildProcess.DotnetHost, [DbDoctorCli.DllPath, .. arguments]);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new WatchedCli(Process.Start(info)!);
    }

    /// <summary>Completes when a stderr line containing <paramref name="marker"/> has been printed.</summary>
    public Task WaitForLineAsync(string marker, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderr)
        {
            if (_stderr.Any(line => line.Contains(marker, StringComparison.Ordinal)))
            {
                return Task.CompletedTask;
            }

            _waits.Add((marker, seen));
        }

        return seen.Task.WaitAsync(timeout);
    }

    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(deadline.Token);
        _process.WaitForExit(); // drains the stderr events
        var stdout = await _stdout;
        lock (_stderr)
        {
            return new CliResult(_process.ExitCode, stdout, string.Join('\n', _stderr), _clock.Elapsed);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
