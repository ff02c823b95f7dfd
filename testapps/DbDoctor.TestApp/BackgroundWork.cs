namespace DbDoctor.TestApp;

/// <summary>The load a scenario keeps running after its handshake; stopped when the app is told to exit.</summary>
public sealed class BackgroundWork : IDisposable
{
    private readonly CancellationTokenSource lifetime = new();
    private readonly List<Task> tasks = [];
    private readonly List<Action> cleanups = [];

    public CancellationToken Stopping => lifetime.Token;

    public void Start(Func<CancellationToken, Task> loop)
    {
        var token = lifetime.Token;
        tasks.Add(Task.Run(() => loop(token), token));
    }

    /// <summary>Runs after the background work has stopped, e.g. to delete a scratch directory.</summary>
    public void OnStopped(Action cleanup) => cleanups.Add(cleanup);

    public async Task StopAsync(TimeSpan grace)
    {
        await lifetime.CancelAsync();
        var all = Task.WhenAll(tasks);
        var finished = await Task.WhenAny(all, Task.Delay(grace));
        if (finished == all && all.IsFaulted)
        {
            Console.Error.WriteLine($"background work failed: {all.Exception?.GetBaseException().Message}");
        }

        foreach (var cleanup in cleanups)
        {
            cleanup();
        }
    }

    /// <summary>A worker loop's delay that ends quietly (false) when the app is stopping.</summary>
    public static async Task<bool> PauseAsync(int milliseconds, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(milliseconds, stopping);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose() => lifetime.Dispose();
}
