using System.Runtime.CompilerServices;
using Npgsql;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// Tenant data sources dropped undisposed, one of them inside an async method that has finished but whose frame is still
/// on a thread's stack: its last await resumed on a thread-pool thread, its completion ran the caller's continuation
/// inline, and the caller then blocks synchronously on that very thread. The finished frame's slots (and its state
/// machine) still point at the data source, yet nothing can ever use it again: it is as leaked as the other tenants'.
/// </summary>
public static class NpgsqlFinishedAsyncScenario
{
    private static readonly ManualResetEventSlim CallerBlocked = new();

    // Never set: the caller stays blocked, and the finished frame below it, until the process ends.
    private static readonly ManualResetEventSlim Release = new();

    public static async Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        var count = options.GetInt("count", 12, min: 2, max: 40);
        var connectionString = NpgsqlSetup.ConnectionString(options);
        options.RejectUnused();

        await NpgsqlLeakScenarios.OpenMainDataSourceAsync(connectionString);
        for (var i = 0; i < count - 1; i++)
        {
            NpgsqlLeakScenarios.LeakTenantDataSource(NpgsqlLeakScenarios.TenantConnectionString(connectionString, "distinct", i).ConnectionString);
        }

        var last = NpgsqlLeakScenarios.TenantConnectionString(connectionString, "distinct", count - 1).ConnectionString;
        _ = Task.Run(() => CallerThatBlocksAsync(last));
        if (!CallerBlocked.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new ScenarioFailedException("the caller of the finished async method did not block in time");
        }

        var outcome = NpgsqlLeakScenarios.NewOutcome(connectionString);
        outcome.Expected["leaked-pool"] = count;
        outcome.Info["tenantApplicationNamePrefix"] = connectionString.ApplicationName + "-tenant";
        outcome.Info["finishedAsyncMethod"] = nameof(UseTenantOnceAsync);
        return outcome;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task CallerThatBlocksAsync(string connectionString)
    {
        await UseTenantOnceAsync(connectionString);

        // Here we run inside UseTenantOnceAsync's completion, on the thread its last await resumed on.
        CallerBlocked.Set();
        Release.Wait();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task UseTenantOnceAsync(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT pg_sleep(0.05)", connection);

        // A real round trip last, so the method resumes (and completes) on a thread-pool thread.
        await command.ExecuteScalarAsync();
    }
}
