using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// Microsoft.Data.SqlClient 2.1 internals (objects only: no SQL Server runs here, so this is read from the 2.1 source
/// layout and kept tolerant). Pools hang off the static SqlConnectionFactory's pool groups: always driver-managed.
/// </summary>
internal sealed class SqlClientHeapKnowledge : IHeapKnowledge
{
    private static readonly HashSet<string> ApplicationFacing = new(StringComparer.Ordinal)
    {
        "Microsoft.Data.SqlClient.SqlConnection", "Microsoft.Data.SqlClient.SqlCommand", "Microsoft.Data.SqlClient.SqlDataReader",
        "Microsoft.Data.SqlClient.SqlTransaction", "Microsoft.Data.SqlClient.SqlParameterCollection", "Microsoft.Data.SqlClient.SqlBulkCopy",
    };

    // DbConnectionPool.State.
    private static readonly string[] PoolStates = ["Initializing", "Running", "ShuttingDown"];

    public string Name => SqlClientProfile.Name;

    public IReadOnlyList<string> AssemblyFileNames { get; } = ["Microsoft.Data.SqlClient.dll"];

    public string VersionAssemblyFileName => "Microsoft.Data.SqlClient.dll";

    public IReadOnlyList<DriverRegistry> Registries { get; } =
    [
        new("Microsoft.Data.SqlClient.SqlConnection", "s_connectionFactory", "static:Microsoft.Data.SqlClient.SqlConnectionFactory._connectionPoolGroups", ["_connectionPoolGroups"], MarksDriverManaged: true),
    ];

    public string PoolSlotName => "_objectList[]";

    public bool IsApplicationFacing(ClrType type) => ApplicationFacing.Contains(type.Name ?? "");

    public ObjectRole Classify(ClrType type) => type.Name switch
    {
        "Microsoft.Data.ProviderBase.DbConnectionPool" => ObjectRole.Pool,
        "Microsoft.Data.SqlClient.SqlInternalConnectionTds" => ObjectRole.PhysicalConnection,
        "Microsoft.Data.SqlClient.SqlConnection" => ObjectRole.OuterConnection,
        "Microsoft.Data.SqlClient.SqlTransaction" => ObjectRole.Transaction,
        "Microsoft.Data.SqlClient.SqlDataReader" => ObjectRole.Reader,
        _ => ObjectRole.None,
    };

    public PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged)
    {
        var options = reader.ReadObject(pool, "_connectionPoolGroupOptions");
        var group = reader.ReadObject(pool, "_connectionPoolGroup");
        var connectionOptions = group.IsNull ? default : reader.ReadObject(group, "_connectionOptions");
        var raw = connectionOptions.IsNull ? null : reader.ReadString(connectionOptions, "_usersConnectionString");
        var connectionString = raw is null ? null : ConnectionStrings.Redact(raw);
        var total = reader.Read<int>(pool, "_totalObjects");
        var idleNew = reader.ReadConcurrentStackCount(reader.ReadObject(pool, "_stackNew"));
        var idleOld = reader.ReadConcurrentStackCount(reader.ReadObject(pool, "_stackOld"));
        int? idle = idleNew is null || idleOld is null ? null : idleNew + idleOld;
        var state = reader.Read<int>(pool, "_state");
        return new PoolFact
        {
            Driver = Name,
            Address = pool.Address,
            TypeName = pool.Type?.Name ?? "?",
            Name = connectionString ?? "(unknown connection string)",
            ConnectionString = connectionString,
            DriverManaged = true,
            Max = options.IsNull ? null : reader.Read<int>(options, "_maxPoolSize"),
            Min = options.IsNull ? null : reader.Read<int>(options, "_minPoolSize"),
            Total = total,
            Idle = idle,
            Busy = total is null || idle is null ? null : total - idle,
            Disposed = state is { } s && s < PoolStates.Length && PoolStates[s] == "ShuttingDown",
            Host = ConnectionStrings.GetValue(raw, "Data Source", "Server", "Address", "Addr"),
            Database = ConnectionStrings.GetValue(raw, "Initial Catalog", "Database"),
        };
    }

    public ConnectionReading? ReadConnection(ClrObject internalConnection, FactReader reader)
    {
        // DbConnectionInternal keeps its owner weakly; while an owner exists the connection is out of the pool.
        var owner = reader.ReadWeakReferenceTarget(reader.ReadObject(internalConnection, "_owningObject"));
        var broken = reader.ReadAny<bool>(internalConnection, "_connectionIsDoomed") == true;
        if (owner.IsNull && !broken)
        {
            return null;
        }

        var related = new List<ulong>();
        if (!owner.IsNull)
        {
            related.Add(owner.Address);
        }

        var pool = reader.ReadObject(internalConnection, "_connectionPool");
        var fact = new ConnectionFact
        {
            Driver = Name,
            Address = internalConnection.Address,
            TypeName = internalConnection.Type?.Name ?? "?",
            PoolAddress = pool.IsNull ? null : pool.Address,
            State = broken ? "Doomed" : "Open",
            CheckedOut = !owner.IsNull,
            Broken = broken,
            OuterConnection = owner.IsNull ? null : new ObjectRef(owner.Type?.Name ?? "?", owner.Address),
        };
        return new ConnectionReading(fact, related);
    }
}
