using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace DbDoctor.Bench;

/// <summary>
/// A running scenario of testapps/DbDoctor.TestApp: started, handshake read (its failure is in place), stopped with
/// "exit" on stdin (killed if it does not leave). Stderr lines are kept for the rate statistics of npgsql-fixed-rate.
/// </summary>
public sealed class ScenarioProcess : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(180);
    private readonly Process process;
    private readonly StringBuilder stderr = new();
    private bool disposed;

    private ScenarioProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public string HandshakeLine { get; private set; } = "";

    public IReadOnlyDictionary<string, int> Expected { get; private set; } = new Dictionary<string, int>();

    /// <summary>Stderr lines starting with "rate-stats ", in order, as they arrive.</summary>
    public ConcurrentQueue<(DateTime At, string Line)> RateStats { get; } = new();

    public static async Task<ScenarioProcess> StartAsync(string scenario, IEnumerable<string> arguments)
    {
        var info = ChildPrograms.StartInfo(ChildPrograms.DotnetHost, [ChildPrograms.ProgramPath("DbDoctor.TestApp"), scenario, .. arguments]);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start the test app for {scenario}.");
        var app = new ScenarioProcess(process);
        process.ErrorDataReceived += (_, e) => app.OnStderr(e.Data);
        process.BeginErrorReadLine();
        try
        {
            await app.ReadHandshakeAsync(scenario).ConfigureAwait(false);
        }
        catch
        {
            app.Dispose();
            throw;
        }

        return app;
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("rate-stats ", StringComparison.Ordinal))
        {
            RateStats.Enqueue((DateTime.UtcNow, line));
            return;
        }

        lock (stderr)
        {
            stderr.AppendLine(line);
        }
    }

    private string Stderr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    private async Task ReadHandshakeAsync(string scenario)
    {
        using var deadline = new CancellationTokenSource(HandshakeTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Test app '{scenario}' printed no handshake within {HandshakeTimeout.TotalSeconds:0} s. stderr:\n{Stderr}");
        }

        if (line is null)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"Test app '{scenario}' exited with code {process.ExitCode} before its handshake. stderr:\n{Stderr}");
        }

        HandshakeLine = line;
        using var document = JsonDocument.Parse(line);
        Expected = document.RootElement.GetProperty("expected").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            try
            {
                process.StandardInput.WriteLine("exit");
                process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // Its stdin is already gone: the process is on its way out.
            }
        }

        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        process.Dispose();
    }
}
