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

        var garbage = MakeGarbage(_source);

        var outcome = new ScenarioOutcome();
        // Info severity: counted per kind, no leak diagnosed for a driver DbDoctor cannot read.
        outcome.Expected["unknown-driver-objects"] = Dropped + Held + 1 + 1 + 1;
        outcome.Info["driver"] = typeof(AcmeConnection).Assembly.GetName().Name;
        outcome.Info["connections"] = new JsonObject { ["held"] = Held, ["orphaned"] = Dropped };
        outcome.Info["readers"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["transactions"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["dataSources"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["garbageConnections"] = Garbage;
        outcome.Info["garbageStillOnHeap"] = garbage.Count(w => w.IsAlive);
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
    /// The handshake collects before it reports, so plain garbage would be gone from the dump and prove nothing; these
    /// are held only by an unreachable object whose finalizer re-registers itself until the handshake's two full
    /// collections are over. In the dump they are dead objects still on the heap (or reachable only from the finalizer
    /// queue, if its last run is still pending): the analysis must count neither. Long weak references (they keep
    /// nothing alive and track until the memory is reclaimed) let the handshake say they were still there.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] MakeGarbage(AcmeDataSource source)
    {
        var connections = new DbConnection[Garbage];
        for (var i = 0; i < Garbage; i++)
        {
            connections[i] = source.CreateConnection();
            if (i % 2 == 0)
            {
                connections[i].Open();
                connections[i].Close();
            }
        }

        _ = new GarbageKeeper(connections);
        return [.. connections.Select(c => new WeakReference(c, trackResurrection: true))];
    }

    private sealed class GarbageKeeper(DbConnection[] connections)
    {
        private readonly int _fullCollectionsAtStart = GC.CollectionCount(GC.MaxGeneration);

        public DbConnection[] Connections { get; } = connections;

        ~GarbageKeeper()
        {
            if (GC.CollectionCount(GC.MaxGeneration) < _fullCollectionsAtStart + 2)
            {
                GC.ReRegisterForFinalize(this);
            }
        }
    }
}
