using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// Connections held on purpose by the holders that are not static fields: an async method suspended at an await
/// (a long job), an async lambda doing the same (a background loop started with Task.Run), and a thread's stack frame
/// (a worker blocked while it owns a connection). None is a leak.
/// </summary>
public static class SqliteHolderScenarios
{
    public static async Task<ScenarioOutcome> HeldAsync(AppOptions options, BackgroundWork background)
    {
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        var file = Path.Combine(directory, "jobs.db");
        SqliteFiles.CreateTable(file, rows: 1);
        var connectionString = SqliteFiles.ConnectionString(file);

        var asyncOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        background.Start(stopping => RunNightlyJobAsync(connectionString, asyncOpened, stopping));

        var lambdaOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        background.Start(async stopping =>
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(stopping);
            lambdaOpened.SetResult();
            await BackgroundWork.PauseAsync(60 * 60 * 1000, stopping);
        });

        var stackOpened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopping = background.Stopping;
        var worker = new Thread(() => HoldOnStack(connectionString, stackOpened, stopping)) { IsBackground = true, Name = "report-worker" };
        worker.Start();

        await Task.WhenAll(asyncOpened.Task, lambdaOpened.Task, stackOpened.Task);
        var outcome = new ScenarioOutcome();
        outcome.Expected["held-connection"] = 3;
        outcome.Info["directory"] = directory;
        outcome.Info["asyncHolder"] = $"{typeof(SqliteHolderScenarios).FullName}.{nameof(HoldInAsyncMethodAsync)}";
        outcome.Info["asyncCaller"] = $"{typeof(SqliteHolderScenarios).FullName}.{nameof(RunNightlyJobAsync)}";
        outcome.Info["asyncAwaited"] = $"{typeof(BackgroundWork).FullName}.{nameof(BackgroundWork.PauseAsync)}";
        outcome.Info["stackHolder"] = nameof(HoldOnStack);
        outcome.Info["lambdaHolder"] = $"async lambda in {typeof(SqliteHolderScenarios).FullName}.{nameof(HeldAsync)}";
        return outcome;
    }

    /// <summary>
    /// A held connection at the far end of a wide or deep ballast shape (the last entry of one huge list or dictionary,
    /// the tail of a deep chain) and one leaked transaction: a walker that skips part of a huge object, or loses its place
    /// deep in a chain, calls the held connection orphaned. Needs <c>--ballast N --ballast-shape list|dictionary|linked-list</c>.
    /// </summary>
    public static Task<ScenarioOutcome> HeldBehindWideObjectAsync(AppOptions options, BackgroundWork background)
    {
        var directory = SqliteFiles.ResolveDirectory(options, background);
        options.RejectUnused();

        var file = Path.Combine(directory, "cache.db");
        SqliteFiles.CreateTable(file, rows: 1);
        var connectionString = SqliteFiles.ConnectionString(file);
        var held = new SqliteConnection(connectionString);
        held.Open();
        WideBallast.HoldAtFarEnd(held);
        SqliteScenarios.LeakTransactions(directory, 1);

        var outcome = new ScenarioOutcome();
        outcome.Expected["held-connection"] = 1;
        outcome.Expected["leaked-transaction"] = 1;
        outcome.Info["directory"] = directory;
        outcome.Info["holderProperty"] = WideBallast.HolderProperty;
        return Task.FromResult(outcome);
    }

    /// <summary>The caller awaiting the long job: the second link of the holder's await chain.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task RunNightlyJobAsync(string connectionString, TaskCompletionSource opened, CancellationToken stopping)
    {
        await HoldInAsyncMethodAsync(connectionString, opened, stopping);
    }

    /// <summary>A long job: the open connection lives in the async state machine while it awaits.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task HoldInAsyncMethodAsync(string connectionString, TaskCompletionSource opened, CancellationToken stopping)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(stopping);
        opened.SetResult();
        await BackgroundWork.PauseAsync(60 * 60 * 1000, stopping);
        using var command = new SqliteCommand("SELECT count(*) FROM items", connection);
        await command.ExecuteScalarAsync(CancellationToken.None);
    }

    /// <summary>A worker thread blocked while it owns a connection: only its stack frame holds it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HoldOnStack(string connectionString, TaskCompletionSource opened, CancellationToken stopping)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        opened.SetResult();
        stopping.WaitHandle.WaitOne();
        connection.Dispose();
    }
}
