using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// Npgsql internals (measured on 10.0.0; see FIELD-NOTES). Compared field by field with dumps of 8.0.9 and 9.0.5: every
/// type, field, field type and state code read here is the same; only where the driver's event source lists its data
/// sources differs (<see cref="Registries8"/>, <see cref="Registries10"/>).
/// </summary>
internal sealed class NpgsqlHeapKnowledge(IReadOnlyList<DriverRegistry> registries) : IHeapKnowledge
{
    /// <summary>Npgsql 8 and 9: the event source's data sources are an instance field of its singleton (`NpgsqlEventSource.Log._dataSources`).</summary>
    public static readonly IReadOnlyList<DriverRegistry> Registries8 =
    [
        new("Npgsql.PoolManager", "<Pools>k__BackingField", "static:Npgsql.PoolManager.Pools", [], MarksDriverManaged: true),
        new("Npgsql.MetricsReporter", "Reporters", "static:Npgsql.MetricsReporter.Reporters", [], MarksDriverManaged: false),
        new("Npgsql.NpgsqlEventSource", "Log", "static:Npgsql.NpgsqlEventSource.Log._dataSources", ["_dataSources"], MarksDriverManaged: false),
    ];

    /// <summary>Npgsql 10: a static of its own (`NpgsqlEventSource.DataSourceEvents`).</summary>
    public static readonly IReadOnlyList<DriverRegistry> Registries10 =
    [
        new("Npgsql.PoolManager", "<Pools>k__BackingField", "static:Npgsql.PoolManager.Pools", [], MarksDriverManaged: true),
        new("Npgsql.MetricsReporter", "Reporters", "static:Npgsql.MetricsReporter.Reporters", [], MarksDriverManaged: false),
        new("Npgsql.NpgsqlEventSource", "DataSourceEvents", "static:Npgsql.NpgsqlEventSource.DataSourceEvents", [], MarksDriverManaged: false),
    ];

    private const string Connector = "Npgsql.Internal.NpgsqlConnector";

    private static readonly HashSet<string> ApplicationFacing = new(StringComparer.Ordinal)
    {
        "Npgsql.NpgsqlConnection", "Npgsql.NpgsqlCommand", "Npgsql.NpgsqlDataReader", "Npgsql.NpgsqlNestedDataReader",
        "Npgsql.NpgsqlTransaction", "Npgsql.NpgsqlBatch", "Npgsql.NpgsqlBatchCommand", "Npgsql.NpgsqlBatchCommandCollection",
        "Npgsql.NpgsqlParameterCollection", "Npgsql.NpgsqlBinaryImporter", "Npgsql.NpgsqlBinaryExporter",
        "Npgsql.NpgsqlRawCopyStream", "Npgsql.NpgsqlCopyTextWriter", "Npgsql.NpgsqlCopyTextReader",
    };

    // NpgsqlConnector._state (ConnectorState).
    private static readonly string[] ConnectorStates =
        ["Closed", "Connecting", ReadyState, "Executing", "Fetching", "Waiting", "Broken", "Copy", "Replication"];

    // NpgsqlDataReader.State (ReaderState).
    private static readonly string[] ReaderStates = ["BeforeResult", "InResult", "BetweenResults", "Consumed", "Closed", "Disposed"];

    /// <summary>The connector's state when idle between commands (what the server shows as idle).</summary>
    public const string ReadyState = "Ready";

    /// <summary>The transaction state of a connector whose transaction failed (the server status 'E').</summary>
    public const string FailedTransactionState = "failed transaction";

    private const int BrokenState = 6;
    private const int ExecutingState = 3;
    private const int FetchingState = 4;
    private const int ReaderClosedState = 4;

    public string Name => NpgsqlProfile.Name;

    public IReadOnlyList<string> AssemblyFileNames { get; } = ["Npgsql.dll"];

    public string VersionAssemblyFileName => "Npgsql.dll";

    public IReadOnlyList<DriverRegistry> Registries { get; } = registries;

    public string PoolSlotName => "Connectors[]";

    public bool IsApplicationFacing(ClrType type) => ApplicationFacing.Contains(type.Name ?? "");

    public ObjectRole Classify(ClrType type)
    {
        var name = type.Name ?? "";
        if (name == Connector)
        {
            return ObjectRole.PhysicalConnection;
        }

        if (name == "Npgsql.NpgsqlConnection")
        {
            return ObjectRole.OuterConnection;
        }

        if (name == "Npgsql.NpgsqlTransaction")
        {
            return ObjectRole.Transaction;
        }

        if (name == "Npgsql.NpgsqlDataReader")
        {
            return ObjectRole.Reader;
        }

        return IsPool(type) ? ObjectRole.Pool : ObjectRole.None;
    }

    public PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged)
    {
        var settings = reader.ReadObject(pool, "<Settings>k__BackingField");
        var connectionString = ConnectionStrings.Redact(reader.ReadString(pool, "<ConnectionString>k__BackingField"));
        var name = reader.ReadString(pool, "<Name>k__BackingField");
        var pooled = pool.Type?.Name == "Npgsql.PoolingDataSource";
        int? total = pooled ? reader.Read<int>(pool, "_numConnectors") : null;
        int? idle = pooled ? reader.Read<int>(pool, "_idleCount") : null;
        return new PoolFact
        {
            Driver = Name,
            Address = pool.Address,
            TypeName = pool.Type?.Name ?? "?",
            Name = ConnectionStrings.Redact(string.IsNullOrEmpty(name) ? connectionString : name),
            ConnectionString = connectionString,
            DriverManaged = driverManaged,
            Pooling = pooled,
            Max = pooled ? reader.Read<int>(pool, "<MaxConnections>k__BackingField") : null,
            Min = pooled ? reader.Read<int>(pool, "<MinConnections>k__BackingField") : null,
            IdleLifetimeSeconds = settings.IsNull ? null : reader.ReadAny<int>(settings, "_connectionIdleLifetime", "<ConnectionIdleLifetime>k__BackingField"),
            LifetimeSeconds = settings.IsNull ? null : reader.ReadAny<int>(settings, "_connectionLifetime", "<ConnectionLifetime>k__BackingField"),
            Total = total,
            Idle = idle,
            Busy = total is null || idle is null ? null : total - idle,
            Disposed = reader.Read<int>(pool, "_isDisposed") is > 0,
            Host = settings.IsNull ? null : reader.ReadString(settings, "_host"),
            Port = settings.IsNull ? null : reader.ReadAny<int>(settings, "_port", "<Port>k__BackingField"),
            Database = settings.IsNull ? null : reader.ReadString(settings, "_database"),
        };
    }

    public ConnectionReading? ReadConnection(ClrObject connector, FactReader reader)
    {
        var state = reader.Read<int>(connector, "_state");
        if (state is null or 0)
        {
            return null;
        }

        var broken = state == BrokenState;
        var outer = reader.ReadObject(connector, "<Connection>k__BackingField");

        // A pooled connector sheds its NpgsqlConnection when returned to the pool: an owner means checked out.
        var checkedOut = !outer.IsNull;
        if (!checkedOut && !broken)
        {
            return null;
        }

        var related = new List<ulong>();
        if (!outer.IsNull)
        {
            related.Add(outer.Address);
        }

        var transaction = ReadTransaction(connector, reader, related);
        var currentReader = reader.ReadObject(connector, "CurrentReader");
        ReaderFact? readerFact = null;
        if (!currentReader.IsNull)
        {
            related.Add(currentReader.Address);
            var readerState = reader.Read<int>(currentReader, "State");
            readerFact = new ReaderFact
            {
                TypeName = currentReader.Type?.Name ?? "?",
                Address = currentReader.Address,
                Open = readerState is < ReaderClosedState,
                State = readerState is { } s && s >= 0 && s < ReaderStates.Length ? ReaderStates[s] : readerState?.ToString(),
            };
        }

        // The last command's text: the open reader's, else the connector's cached reader still points at the last command.
        var lastReader = !currentReader.IsNull ? currentReader : reader.ReadObject(connector, "<DataReader>k__BackingField");
        var command = lastReader.IsNull ? default : reader.ReadObject(lastReader, "<Command>k__BackingField");
        var sql = command.IsNull ? null : reader.ReadString(command, "_commandText", reader.MaxSqlLength);

        var pool = reader.ReadObject(connector, "<DataSource>k__BackingField");
        var fact = new ConnectionFact
        {
            Driver = Name,
            Address = connector.Address,
            TypeName = connector.Type?.Name ?? Connector,
            PoolAddress = pool.IsNull ? null : pool.Address,
            State = state is { } st && st >= 0 && st < ConnectorStates.Length ? ConnectorStates[st] : state.ToString(),
            CheckedOut = checkedOut,
            InFlight = state is ExecutingState or FetchingState,
            Broken = broken,
            OuterConnection = outer.IsNull ? null : new ObjectRef(outer.Type?.Name ?? "?", outer.Address),
            Transaction = transaction,
            Reader = readerFact,
            Sql = string.IsNullOrEmpty(sql) ? null : sql,
            ServerPid = reader.Read<int>(connector, "<BackendProcessId>k__BackingField"),
        };
        return new ConnectionReading(fact, related);
    }

    private static TransactionFact? ReadTransaction(ClrObject connector, FactReader reader, List<ulong> related)
    {
        // Whether a transaction is open is the server-reported status; the NpgsqlTransaction object is cached and reused.
        var status = reader.Read<byte>(connector, "<TransactionStatus>k__BackingField");
        var open = status is (byte)'T' or (byte)'E';
        if (!open)
        {
            return null;
        }

        var transaction = reader.ReadObject(connector, "<Transaction>k__BackingField");
        if (!transaction.IsNull)
        {
            related.Add(transaction.Address);
        }

        return new TransactionFact
        {
            TypeName = transaction.Type?.Name ?? "Npgsql.NpgsqlTransaction",
            Address = transaction.IsNull ? 0 : transaction.Address,
            Open = true,
            State = status == (byte)'E' ? FailedTransactionState : "in transaction",
        };
    }

    private static bool IsPool(ClrType type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "Npgsql.NpgsqlDataSource")
            {
                return true;
            }
        }

        return false;
    }
}
