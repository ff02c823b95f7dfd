using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>How a version family of Microsoft.Data.Sqlite keeps a pool's idle connections (its warm and cold pools).</summary>
internal enum SqliteIdleStacks
{
    /// <summary>6.0–8.0: ConcurrentStack&lt;T&gt;, a linked list from _head through _next.</summary>
    Concurrent,

    /// <summary>9.0 on: Stack&lt;T&gt; (_array, _size) guarded by the pool's own lock.</summary>
    Plain,
}

/// <summary>
/// Microsoft.Data.Sqlite 6.0–11.0 internals (with SQLitePCLRaw 2.0–3.0); the families differ in <see cref="SqliteIdleStacks"/>. Pools are per connection string and owned by the
/// static SqliteConnectionFactory, so they are always driver-managed. SQLitePCLRaw's hook objects (rollback hook
/// info behind a strong GC handle) belong to the driver: reaching a transaction through them is not the application.
/// </summary>
internal sealed class SqliteHeapKnowledge(SqliteIdleStacks idleStacks) : IHeapKnowledge
{
    private const string Namespace = "Microsoft.Data.Sqlite.";

    private static readonly HashSet<string> ApplicationFacing = new(StringComparer.Ordinal)
    {
        Namespace + "SqliteConnection", Namespace + "SqliteCommand", Namespace + "SqliteDataReader",
        Namespace + "SqliteTransaction", Namespace + "SqliteParameterCollection", Namespace + "SqliteBlob",
    };

    public string Name => SqliteProfile.Name;

    public IReadOnlyList<string> AssemblyFileNames { get; } =
        ["Microsoft.Data.Sqlite.dll", "SQLitePCLRaw.core.dll", "SQLitePCLRaw.batteries_v2.dll", "SQLitePCLRaw.provider.e_sqlite3.dll"];

    public string VersionAssemblyFileName => "Microsoft.Data.Sqlite.dll";

    public IReadOnlyList<DriverRegistry> Registries { get; } =
    [
        new(Namespace + "SqliteConnectionFactory", "Instance", "static:Microsoft.Data.Sqlite.SqliteConnectionFactory._poolGroups", ["_poolGroups"], MarksDriverManaged: true),
        new(Namespace + "SqliteConnectionFactory", "Instance", "static:Microsoft.Data.Sqlite.SqliteConnectionFactory._idlePoolGroups", ["_idlePoolGroups"], MarksDriverManaged: true),
    ];

    public string PoolSlotName => "_connections[]";

    public bool IsApplicationFacing(ClrType type) => ApplicationFacing.Contains(type.Name ?? "");

    public ObjectRole Classify(ClrType type) => type.Name switch
    {
        Namespace + "SqliteConnectionPool" => ObjectRole.Pool,
        Namespace + "SqliteConnectionInternal" => ObjectRole.PhysicalConnection,
        Namespace + "SqliteConnection" => ObjectRole.OuterConnection,
        Namespace + "SqliteTransaction" => ObjectRole.Transaction,
        Namespace + "SqliteDataReader" => ObjectRole.Reader,
        _ => ObjectRole.None,
    };

    public PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged)
    {
        var options = reader.ReadObject(pool, "_connectionOptions");
        var dataSource = options.IsNull ? null : reader.ReadString(options, "_dataSource");
        var total = reader.ReadListCount(reader.ReadObject(pool, "_connections"));
        var warm = ReadIdleStack(reader, reader.ReadObject(pool, "_warmPool"));
        var cold = ReadIdleStack(reader, reader.ReadObject(pool, "_coldPool"));
        int? idle = warm is null || cold is null ? null : warm + cold;
        var name = dataSource is null ? "(unknown data source)" : $"Data Source={dataSource}";
        return new PoolFact
        {
            Driver = Name,
            Address = pool.Address,
            TypeName = pool.Type?.Name ?? "?",
            Name = name,
            ConnectionString = dataSource is null ? null : name,
            DriverManaged = true,
            Total = total,
            Idle = idle,
            Busy = total is null || idle is null ? null : total - idle,

            // SqliteConnectionPool._state: 0 Active, 1 Disabled (cleared by ClearPool/ClearAllPools).
            Disposed = reader.Read<int>(pool, "_state") is 1,
            Database = dataSource,
        };
    }

    private int? ReadIdleStack(FactReader reader, ClrObject stack) => idleStacks switch
    {
        SqliteIdleStacks.Plain => reader.ReadStackCount(stack),
        _ => reader.ReadConcurrentStackCount(stack),
    };

    public ConnectionReading? ReadConnection(ClrObject internalConnection, FactReader reader)
    {
        var db = reader.ReadObject(internalConnection, "_db");
        var active = reader.Read<bool>(internalConnection, "_active") == true;
        if (db.IsNull || !active)
        {
            // Closed, or idle in its pool. SQLite has no notion of a broken connection to report.
            return null;
        }

        var outer = reader.ReadWeakReferenceTarget(reader.ReadObject(internalConnection, "_outerConnection"));
        var related = new List<ulong>();
        TransactionFact? transaction = null;
        string? sql = null;
        if (!outer.IsNull)
        {
            related.Add(outer.Address);
            var tx = reader.ReadObject(outer, "<Transaction>k__BackingField");
            if (!tx.IsNull)
            {
                related.Add(tx.Address);
                var completed = reader.Read<bool>(tx, "_completed") == true;
                transaction = new TransactionFact
                {
                    TypeName = tx.Type?.Name ?? "?",
                    Address = tx.Address,
                    Open = !completed,
                    State = completed ? "completed" : "in transaction",
                };
            }

            sql = LastCommandText(outer, reader);
        }

        var pool = reader.ReadObject(internalConnection, "_pool");
        var fact = new ConnectionFact
        {
            Driver = Name,
            Address = internalConnection.Address,
            TypeName = internalConnection.Type?.Name ?? "?",
            PoolAddress = pool.IsNull ? null : pool.Address,

            // With the owner collected the connection can never be closed: it stays checked out of the pool for good.
            State = outer.IsNull ? "Active (owner collected)" : "Active",
            CheckedOut = true,
            OuterConnection = outer.IsNull ? null : new ObjectRef(outer.Type?.Name ?? "?", outer.Address),
            Transaction = transaction,
            Sql = sql,
        };
        return new ConnectionReading(fact, related);
    }

    /// <summary>The text of the newest command still alive among the connection's weakly tracked commands.</summary>
    private static string? LastCommandText(ClrObject outer, FactReader reader)
    {
        var commands = reader.ReadOptionalObject(outer, "_commands");
        var items = commands.IsNull ? default : reader.ReadOptionalObject(commands, "_items");
        var count = reader.ReadListCount(commands) ?? 0;
        var addresses = reader.ReadArrayElements(items).Take(count).ToList();
        for (var i = addresses.Count - 1; i >= 0; i--)
        {
            var command = reader.ReadWeakReferenceTarget(reader.GetObject(addresses[i]));
            if (!command.IsNull && reader.ReadString(command, "_commandText", reader.MaxSqlLength) is { Length: > 0 } text)
            {
                return text;
            }
        }

        return null;
    }
}
