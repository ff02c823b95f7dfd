using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Watch;

/// <summary>
/// One `dbdoctor watch` running as a user starts it, stdout redirected (so JSON lines): its lines as they come, each with
/// the moment it arrived, and a way to stop it with a signal.
/// </summary>
public sealed class WatchProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(TimeSpan At, JsonElement Sample)> _samples = [];
    private readonly List<string> _badLines = [];
    private readonly StringBuilder _stderr = new();
    private readonly Task _reading;

    private WatchProcess(Process process)
    {
        _process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        _reading = ReadStdoutAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Time since dbdoctor was started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Every stdout line that was not a watch sample (there must be none).</summary>
    public IReadOnlyList<string> BadLines
    {
        get
        {
            lock (_samples)
            {
                return [.. _badLines];
            }
        }
    }

    public IReadOnlyList<(TimeSpan At, JsonElement Sample)> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public static WatchProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = ChildProcess.StartInfo(ChildProcess.DotnetHost, [DbDoctorCli.DllPath, "watch", .. arguments]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new WatchProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start dbdoctor watch."));
    }

    /// <summary>The pool rows of every sample of <paramref name="pid"/> whose pool names <paramref name="applicationName"/>.</summary>
    public IEnumerable<(TimeSpan At, JsonElement Row)> RowsOf(int pid, string applicationName) =>
        from s in Samples
        where s.Sample.GetProperty("pid").GetInt32() == pid
        from row in s.Sample.GetProperty("pools").EnumerateArray()
        where (row.GetProperty("pool").GetString() + ";").Contains($"Application Name={applicationName};", StringComparison.Ordinal)
        select (s.At, row);

    /// <summary>Waits until <paramref name="condition"/> holds; false after <paramref name="timeout"/> or when dbdoctor exited.</summary>
    public async Task<bool> WaitForAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout || _process.HasExited)
            {
                return condition();
            }

            await Task.Delay(200);
        }

        return true;
    }

    /// <summary>Sends the signal and waits for the exit code (null: still running after <paramref name="timeout"/>, then killed).</summary>
    public async Task<int?> StopAsync(string signal, TimeSpan timeout)
    {
        var kill = await ChildProcess.RunAsync("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.True(kill.ExitCode == 0, kill.Stderr);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return null;
        }

        await _reading;
        return _process.ExitCode;
    }

    public override string ToString() =>
        $"dbdoctor watch after {Elapsed.TotalSeconds:0.0} s, {Samples.Count} samples" + (_process.HasExited ? $", exit {_process.ExitCode}" : "")
        + $"\nstderr:\n{Stderr}\nlast stdout line:\n{(Samples.Count > 0 ? Samples[^1].Sample.ToString() : "")}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private async Task ReadStdoutAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_samples)
            {
                try
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.TryGetProperty("schema", out var schema) && schema.GetString() == "dbdoctor/watch-sample@1")
                    {
                        _samples.Add((_clock.Elapsed, document.RootElement.Clone()));
                        continue;
                    }
                }
                catch (JsonException)
                {
                    // Kept below: stdout must carry nothing but samples.
                }

                _badLines.Add(line);
            }
        }
    }
}
