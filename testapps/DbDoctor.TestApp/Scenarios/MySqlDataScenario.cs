using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using MySql.Data.MySqlClient;

namespace DbDoctor.TestApp.Scenarios;

/// <summary>
/// Oracle's MySql.Data, a driver DbDoctor has no knowledge folder for: the generic ADO.NET fallback must find and count
/// its objects. Connections the app holds in statics (one with an open reader, one inside a transaction), and
/// connections dropped open (what keeps them is MySql.Data's business: the scenario reports what it leaves reachable).
/// </summary>
public static class MySqlDataScenario
{
    private const int Dropped = 3;
    private const int Held = 2;

    private static readonly List<MySqlConnection> HeldConnections = [];
    private static MySqlDataReader? _heldReader;
    private static MySqlTransaction? _heldTransaction;

    public static async Task<ScenarioOutcome> RunAsync(AppOptions options, BackgroundWork background)
    {
        var connectionString = MySqlSetup.ConnectionString(options);
        options.RejectUnused();
        await MySqlSetup.EnsureDatabaseAsync(connectionString);

        // MySql.Data's own keyword names; the password travels as in any application.
        var builder = new MySqlConnectionStringBuilder
        {
            Server = connectionString.Server,
            Port = connectionString.Port,
            UserID = connectionString.UserID,
            Password = connectionString.Password,
            Database = connectionString.Database,
            SslMode = MySqlSslMode.Disabled,
            AllowPublicKeyRetrieval = true,
        };
        var dropped = new WeakReference[Dropped];
        for (var i = 0; i < Dropped; i++)
        {
            dropped[i] = OpenAndDrop(builder.ConnectionString);
        }

        for (var i = 0; i < Held; i++)
        {
            var connection = new MySqlConnection(builder.ConnectionString);
            connection.Open();
            HeldConnections.Add(connection);
        }

        var command = new MySqlCommand($"SELECT id FROM {MySqlSetup.TableName}", HeldConnections[0]);
        _heldReader = command.ExecuteReader();
        _heldReader.Read();
        _heldTransaction = HeldConnections[1].BeginTransaction();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var droppedAlive = dropped.Count(w => w.IsAlive);

        var outcome = MySqlSetup.NewOutcome(connectionString);
        // Info severity, counted per kind: held connections, reader and transaction, plus the dropped connections that
        // MySql.Data itself keeps reachable.
        outcome.Expected["unknown-driver-objects"] = Held + 1 + 1 + droppedAlive;
        outcome.Info["driver"] = typeof(MySqlConnection).Assembly.GetName().Name;
        outcome.Info["driverVersion"] = MySqlSetup.DriverVersion(typeof(MySqlConnection));
        outcome.Info["connections"] = new JsonObject { ["held"] = Held, ["orphaned"] = droppedAlive };
        outcome.Info["readers"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["transactions"] = new JsonObject { ["held"] = 1, ["orphaned"] = 0 };
        outcome.Info["droppedConnections"] = Dropped;
        return outcome;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference OpenAndDrop(string connectionString)
    {
        var connection = new MySqlConnection(connectionString);
        connection.Open();
        using var command = new MySqlCommand($"UPDATE {MySqlSetup.TableName} SET payload = payload + 1 WHERE id = 1", connection);
        command.ExecuteNonQuery();
        return new WeakReference(connection);
    }
}
