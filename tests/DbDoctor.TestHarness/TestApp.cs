using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace DbDoctor.TestHarness;

/// <summary>
/// A running scenario of testapps/DbDoctor.TestApp. <see cref="StartAsync"/> returns once the app printed its handshake
/// (its failure is in place); dispose sends "exit" and kills the process tree if it does not leave in time.
/// </summary>
public sealed class TestApp : IDisposable
{
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly StringBuilder stderr = new();
    private readonly StringBuilder extraStdout = new();
    private bool disposed;

    private TestApp(string scenario, Process process)
    {
        Scenario = scenario;
        this.process = process;
    }

    public string Scenario { get; }
    public int Pid => process.Id;

    /// <summary>The raw handshake line.</summary>
    public string HandshakeLine { get; private set; } = "";

    /// <summary>Count per dbdoctor finding kind the scenario promises.</summary>
    public IReadOnlyDictionary<string, int> Expected { get; private set; } = new Dictionary<string, int>();

    /// <summary>Scenario facts (application name, lock probe, ...): a clone, valid after dispose.</summary>
    public JsonElement Info { get; private set; }

    /// <summary>The handshake's "runtime": the product version of the runtime the app runs on (e.g. 8.0.31).</summary>
    public string Runtime { get; private set; } = "";

    /// <summary>The handshake's "pid": the process's own view of its id.</summary>
    public int ReportedPid { get; private set; }

    public bool HasExited => process.HasExited;

    /// <summary>
    /// Raised on a thread-pool thread for each line the app writes on stderr from now on (e.g. the rate-stats lines of
    /// npgsql-fixed-rate); every line is also kept in <see cref="Stderr"/>.
    /// </summary>
    public event Action<string>? StderrLine;

    public string Stderr
    {
        get
        {
            lock (stderr)
            {
                return stderr.ToString();
            }
        }
    }

    /// <summary>Anything the app printed on stdout after its handshake (the protocol says: nothing).</summary>
    public string ExtraStdout
    {
        get
        {
            lock (extraStdout)
            {
                return extraStdout.ToString();
            }
        }
    }

    public int ExpectedCount(string findingKind) => Expected.TryGetValue(findingKind, out var count) ? count : 0;

    public string InfoString(string name) =>
        Info.TryGetProperty(name, out var value) ? value.ToString() : throw new KeyNotFoundException($"The handshake info of {Scenario} has no '{name}': {HandshakeLine}");

    public static string DllPath => ChildProcess.ProgramPath("DbDoctor.TestApp");

    /// <param name="handshakeTimeout">How long the app may take to set its failure up (<see cref="DefaultHandshakeTimeout"/>; more for big heaps).</param>
    /// <param name="environment">Variables to set for the app (e.g. a private TMPDIR, where its diagnostic socket then lives).</param>
    /// <param name="build">A cell of the target matrix (<see cref="TestAppMatrix"/>); null: the test app built with the solution.</param>
    /// <param name="asUser">Run the app as this user (setpriv execs it, so <see cref="Pid"/> stays the app's); null: as the tests' user.</param>
    /// <param name="appDll">Another app with the same scenarios and handshake to run instead (the demo app in dbdoctor's demo/ folder).</param>
    public static async Task<TestApp> StartAsync(
        string scenario, IEnumerable<string> arguments, TimeSpan? handshakeTimeout = null, IReadOnlyDictionary<string, string>? environment = null,
        TestAppBuild? build = null, string? asUser = null, string? appDll = null)
    {
        var (program, prefix) = build?.Command ?? (ChildProcess.DotnetHost, [appDll ?? DllPath]);
        if (asUser is not null)
        {
            (program, prefix) = ("setpriv", ["--reuid", asUser, "--regid", asUser, "--init-groups", "--", program, .. prefix]);
        }

        var info = ChildProcess.StartInfo(program, [.. prefix, scenario, .. arguments]);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start the test app for {scenario}.");
        var app = new TestApp(scenario, process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (app.stderr)
                {
                    app.stderr.AppendLine(e.Data);
                }

                app.StderrLine?.Invoke(e.Data);
            }
        };
        process.BeginErrorReadLine();
        try
        {
            await app.ReadHandshakeAsync(handshakeTimeout ?? DefaultHandshakeTimeout);
        }
        catch
        {
            app.Dispose();
            throw;
        }

        return app;
    }

    public static Task<TestApp> StartAsync(string scenario, params string[] arguments) => StartAsync(scenario, arguments, null);

    private async Task ReadHandshakeAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Test app '{Scenario}' printed no handshake within {timeout.TotalSeconds:0} s. stderr:\n{Stderr}");
        }

        if (line is null)
        {
            await process.WaitForExitAsync();
            throw new InvalidOperationException($"Test app '{Scenario}' exited with code {process.ExitCode} before its handshake. stderr:\n{Stderr}");
        }

        HandshakeLine = line;
        using (var document = JsonDocument.Parse(line))
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("ready", out var ready) || !ready.GetBoolean())
            {
                throw new InvalidOperationException($"Test app '{Scenario}' printed something that is not a ready handshake: {line}");
            }

            ReportedPid = root.GetProperty("pid").GetInt32();
            Runtime = root.GetProperty("runtime").GetString() ?? "";
            Expected = root.GetProperty("expected").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
            Info = root.GetProperty("info").Clone();
        }

        _ = DrainStdoutAsync();
    }

    private async Task DrainStdoutAsync()
    {
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (extraStdout)
            {
                extraStdout.AppendLine(line);
            }
        }
    }

    /// <summary>Sends "exit" and waits up to <paramref name="timeout"/>; returns the exit code, or null if it had to be killed.</summary>
    public int? Stop(TimeSpan timeout)
    {
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

        if (process.WaitForExit(timeout))
        {
            process.WaitForExit();
            return process.ExitCode;
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return null;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Stop(TimeSpan.FromSeconds(5));
        process.Dispose();
    }
}
