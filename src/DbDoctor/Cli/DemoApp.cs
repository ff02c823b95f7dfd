using System.Diagnostics;
using System.Text.Json;
using DbDoctor.Model;

namespace DbDoctor.Cli;

/// <summary>
/// The SQLite scenario app (testapps/DbDoctor.DemoApp) shipped inside the tool (folder demo/), started as a child process for
/// <c>dbdoctor demo</c>. It prints one JSON line with its pid when its leaks are in place, then waits for "exit".
/// </summary>
public sealed class DemoApp : IAsyncDisposable
{
    private readonly Process _process;

    private DemoApp(Process process, int pid)
    {
        _process = process;
        Pid = pid;
    }

    public int Pid { get; }

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "demo", "DbDoctor.DemoApp.dll");

    public static async Task<DemoApp> StartAsync(string scenario, string workDirectory, CancellationToken ct)
    {
        if (!File.Exists(AppPath))
        {
            throw new DbDoctorInputException($"The demo app is missing from this installation (expected {AppPath}); reinstall dbdoctor.");
        }

        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppPath);
        start.ArgumentList.Add(scenario);
        start.ArgumentList.Add("--sqlite-dir");
        start.ArgumentList.Add(workDirectory);

        var process = Process.Start(start) ?? throw new DbDoctorInputException("Could not start the demo app.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
            if (line is null)
            {
                var error = await process.StandardError.ReadToEndAsync(ct).ConfigureAwait(false);
                throw new DbDoctorInputException($"The demo app exited before it was ready: {error.Trim()}");
            }

            using var handshake = JsonDocument.Parse(line);
            return new DemoApp(process, handshake.RootElement.GetProperty("pid").GetInt32());
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("exit").ConfigureAwait(false);
            await _process.StandardInput.FlushAsync().ConfigureAwait(false);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            Kill(_process);
        }

        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }
    }
}

/// <summary>Finds the dotnet host: the one running us when we run as "dotnet dbdoctor.dll", else DOTNET_ROOT or PATH.</summary>
public static class DotnetHost
{
    public static string Path
    {
        get
        {
            var current = Environment.ProcessPath;
            if (current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet")
            {
                return current;
            }

            var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (!string.IsNullOrEmpty(root) && File.Exists(System.IO.Path.Combine(root, "dotnet")))
            {
                return System.IO.Path.Combine(root, "dotnet");
            }

            return "dotnet";
        }
    }
}
