using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Acme.Data;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// Objects of a driver DbDoctor has no knowledge file for (Acme.Data, our in-memory provider): connections the app dropped
/// open (kept alive only by the provider's static registry), connections, a reader, a transaction and a data source the
/// app holds in static fields, and garbage connections that nothing references and that must not be counted.
/// </summary>
public static class GenericLeakScenario
{
    private const int Dropped = 3;
    private const int Held = 2;
    private const int Garbage = 4;

    // What the application holds, each named by its static field in dbdoctor's report.
    private static AcmeDataSource? _source;
    private static readonly List<AcmeConnection> HeldConnections = [];
    private static DbDataReader? _heldReader;
    private static DbTransaction? _heldTransaction;

    public static Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        options.RejectUnused();

        _source = new AcmeDataSource("Data Source=memory;Password=acme-secret");
        for (var i = 0; i < Dropped; i++)
        {
            OpenAndDrop(_source);
        }

        for (var i = 0; i < Held; i++)
        {
            var connection = (AcmeConnection)_source.OpenConnection();
            HeldConnections.Add(connection);
        }

        // The reader and the transaction run on the held connections, so they add no connection of their own.
        var command = HeldConnections[0].CreateCommand();
        command.CommandText = "SELECT id, name FROM items";
        _heldReader = command.ExecuteReader();
        _heldReader.Read();
        _heldTransaction = HeldConnections[1].BeginTransaction();

        MakeGarbage(_source);

        var outcome = new ScenarioOutcome();
        // Info severity: counted per kind, no leak diagnosed for a driver DbDoctor cannot read.
        outcome.Expected["unknown-driver-objects"] = Dropped + Held + 1 + 1 + 1;
        outcome.Info["driver"] = typeof(AcmeConnection).Assembly.GetName().Name;
        outcome.Info["connections"] = new JsonObject { ["held"] = Held, ["orphaned"] = Dropped };
        outcome.Info["readers"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["transactions"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["dataSources"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["garbageConnections"] = Garbage;
        return Task.FromResult(outcome);
    }

    /// <summary>Opened and never closed: only the provider's registry of open connections keeps it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void OpenAndDrop(AcmeDataSource source)
    {
        var connection = source.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE items SET name = 'x'";
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Connections nothing references: half were never opened, half were opened and closed (the registry let them go).
    /// No GC is forced: they are still on the heap in the dump, as dead objects the analysis must skip.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeGarbage(AcmeDataSource source)
    {
        for (var i = 0; i < Garbage; i++)
        {
            var connection = source.CreateConnection();
            if (i % 2 == 0)
            {
                connection.Open();
                connection.Close();
            }
        }
    }
}
