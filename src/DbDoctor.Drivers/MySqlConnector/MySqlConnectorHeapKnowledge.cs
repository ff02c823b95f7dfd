using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// MySqlConnector 2.x internals (measured on 2.6.2 against MariaDB 10.11). Pools are <c>MySqlConnector.Core.ConnectionPool</c>:
/// driver-made ones in the static <c>s_pools</c> (under two keys each, raw and normalised connection string: pools are
/// counted as objects, never as keys), every one in <c>s_allPools</c>, each with a reaper (a PeriodicTimer) that also
/// keeps it alive. Physical connections are <c>ServerSession</c>s: leased ones in the pool's <c>m_leasedSessions</c>,
/// remembered only through a weak reference to their <c>MySqlConnection</c>; idle ones in <c>m_sessions</c>.
/// 2.4.0 has the same pools, sessions, session states and reaper (compared field by field against 2.6.2); only
/// <c>MySqlCommand</c> differs: it keeps its SQL in <c>m_commandText</c> where 2.6 has an auto-property.
/// </summary>
internal sealed class MySqlConnectorHeapKnowledge(string commandTextField) : IHeapKnowledge
{
    /// <summary>MySqlCommand's SQL up to 2.4 (a plain field; 2.6 made CommandText an auto-property).</summary>
    public const string CommandTextField24 = "m_commandText";

    public const string CommandTextField26 = "<CommandText>k__BackingField";

    private const string Pool = "MySqlConnector.Core.ConnectionPool";
    private const string Session = "MySqlConnector.Core.ServerSession";

    private static readonly HashSet<string> ApplicationFacing = new(StringComparer.Ordinal)
    {
        "MySqlConnector.MySqlConnection", "MySqlConnector.MySqlCommand", "MySqlConnector.MySqlDataReader",
        "MySqlConnector.MySqlTransaction", "MySqlConnector.MySqlBatch", "MySqlConnector.MySqlBatchCommand",
        "MySqlConnector.MySqlBatchCommandCollection", "MySqlConnector.MySqlParameterCollection", "MySqlConnector.MySqlParameter",
        "MySqlConnector.MySqlDataSource", "MySqlConnector.MySqlBulkCopy", "MySqlConnector.MySqlBulkLoader",
    };

    // ServerSession.m_state (ServerSession.State).
    private static readonly string[] SessionStates =
        ["Created", "Connecting", "Connected", "Querying", "CancelingQuery", "ClearingPendingCancellation", "Closing", "Closed", "Failed"];

    private const int CreatedState = 0;
    private const int QueryingState = 3;
    private const int ClearingPendingCancellationState = 5;
    private const int ClosedState = 7;
    private const int FailedState = 8;

    public string Name => MySqlConnectorProfile.Name;

    public IReadOnlyList<string> AssemblyFileNames { get; } = ["MySqlConnector.dll"];

    public string VersionAssemblyFileName => "MySqlConnector.dll";

    public IReadOnlyList<DriverRegistry> Registries { get; } =
    [
        new(Pool, "s_pools", "static:MySqlConnector.Core.ConnectionPool.s_pools", [], MarksDriverManaged: true),
        new(Pool, "s_allPools", "static:MySqlConnector.Core.ConnectionPool.s_allPools", [], MarksDriverManaged: false),
    ];

    public string PoolSlotName => "m_leasedSessions|m_sessions";

    public bool IsApplicationFacing(ClrType type) => ApplicationFacing.Contains(type.Name ?? "");

    public ObjectRole Classify(ClrType type) => type.Name switch
    {
        Pool => ObjectRole.Pool,
        Session => ObjectRole.PhysicalConnection,
        "MySqlConnector.MySqlConnection" => ObjectRole.OuterConnection,
        "MySqlConnector.MySqlTransaction" => ObjectRole.Transaction,
        "MySqlConnector.MySqlDataReader" => ObjectRole.Reader,
        _ => ObjectRole.None,
    };

    public PoolFact ReadPool(ClrObject pool, FactReader reader, bool driverManaged)
    {
        var settings = reader.ReadObject(pool, "<ConnectionSettings>k__BackingField");
        var connectionString = settings.IsNull ? null : ConnectionStrings.Redact(reader.ReadString(settings, "<ConnectionString>k__BackingField"));
        var name = reader.ReadString(pool, "<Name>k__BackingField");
        int? max = settings.IsNull ? null : reader.Read<int>(settings, "<MaximumPoolSize>k__BackingField");

        // A session holds one slot of the semaphore from lease to return: the slots taken are the leased sessions.
        var semaphore = reader.ReadObject(pool, "m_sessionSemaphore");
        var free = semaphore.IsNull ? null : reader.Read<int>(semaphore, "m_currentCount");
        int? busy = max is null || free is null ? null : max - free;
        var idleList = reader.ReadObject(pool, "m_sessions");
        int? idle = idleList.IsNull ? null : reader.Read<int>(idleList, "count");
        var hosts = settings.IsNull ? default : reader.ReadObject(settings, "<HostNames>k__BackingField");
        var firstHost = hosts.IsNull ? [] : reader.ReadArrayElements(hosts).Take(1).ToList();
        return new PoolFact
        {
            Driver = Name,
            Address = pool.Address,
            TypeName = pool.Type?.Name ?? Pool,
            Name = ConnectionStrings.Redact(string.IsNullOrEmpty(name) ? connectionString : name),
            ConnectionString = connectionString,
            DriverManaged = driverManaged,
            Pooling = true,
            Max = max,
            Min = settings.IsNull ? null : reader.Read<int>(settings, "<MinimumPoolSize>k__BackingField"),
            IdleLifetimeSeconds = settings.IsNull ? null : reader.Read<int>(settings, "<ConnectionIdleTimeout>k__BackingField"),
            LifetimeSeconds = settings.IsNull ? null : reader.Read<int>(settings, "<ConnectionLifeTime>k__BackingField"),
            Total = busy is null || idle is null ? null : busy + idle,
            Idle = idle,
            Busy = busy,
            Host = firstHost.Count == 0 ? null : reader.GetObject(firstHost[0]).AsString(),
            Port = settings.IsNull ? null : reader.Read<int>(settings, "<Port>k__BackingField"),
            Database = settings.IsNull ? null : reader.ReadString(settings, "<Database>k__BackingField"),

            // The reaper is a PeriodicTimer awaited by an async loop: the timer queue reaches the pool through that loop's
            // state machine, which the traversal stops at (driver-internal), so the knowledge names the retention itself.
            RetainedBy = ReaperRunning(pool, reader) ? [RetainerKinds.Timer] : [],
        };
    }

    public IEnumerable<PoolFact> ReadRegistryEntries(ClrObject registry, DriverRegistry entry, FactReader reader) =>
        entry.FieldName == "s_pools" ? MySqlConnectorUnpooledStrings.Read(registry, reader, Name, entry.Label) : [];

    private static bool ReaperRunning(ClrObject pool, FactReader reader)
    {
        var timer = reader.ReadOptionalObject(pool, "m_reaperTimer");
        var state = timer.IsNull ? default : reader.ReadObject(timer, "_state");
        return !state.IsNull && reader.Read<bool>(state, "_stopped") == false;
    }

    public ConnectionReading? ReadConnection(ClrObject session, FactReader reader)
    {
        var state = reader.Read<int>(session, "m_state");
        if (state is null or CreatedState or ClosedState)
        {
            return null;
        }

        var broken = state == FailedState;
        var leased = reader.Read<long>(session, "<LastLeasedTimestamp>k__BackingField") is not (null or 0);
        var serverStatus = MySqlServerStatus.Read(session, reader);
        var inTransaction = serverStatus is { } status && (status & MySqlServerStatus.InTransaction) != 0;

        // Back in the idle list with the server's transaction still open: the driver recovered the session of a
        // connection the GC collected (or one closed after a raw BEGIN). The server keeps the transaction and its locks
        // until the session is reset on its next lease or closed by the reaper.
        var recovered = !leased && inTransaction;
        if (!leased && !broken && !recovered)
        {
            return null;
        }

        var outer = leased ? reader.ReadWeakReferenceTarget(reader.ReadObject(session, "<OwningConnection>k__BackingField")) : default;
        var related = new List<ulong>();
        if (!outer.IsNull)
        {
            related.Add(outer.Address);
        }

        var transaction = ReadTransaction(outer, inTransaction, recovered, reader, related);
        var (readerFact, sql) = ReadReader(session, outer, reader, related);
        var pool = reader.ReadObject(session, "<Pool>k__BackingField");
        var stateName = state is { } s && s >= 0 && s < SessionStates.Length ? SessionStates[s] : state.ToString();
        var fact = new ConnectionFact
        {
            Driver = Name,
            Address = session.Address,
            TypeName = session.Type?.Name ?? Session,
            PoolAddress = pool.IsNull ? null : pool.Address,
            State = recovered ? stateName + " (recovered into the idle list by the driver)"
                : leased && outer.IsNull ? stateName + " (owner collected)" : stateName,
            CheckedOut = leased,
            Recovered = recovered,
            InFlight = state is >= QueryingState and <= ClearingPendingCancellationState,
            Broken = broken,
            OuterConnection = outer.IsNull ? null : new ObjectRef(outer.Type?.Name ?? "?", outer.Address),
            Transaction = transaction,
            Reader = readerFact,
            Sql = sql,
            ServerPid = reader.Read<int>(session, "<ConnectionId>k__BackingField"),
        };
        return new ConnectionReading(fact, related);
    }

    /// <summary>
    /// Whether a transaction is open is the server's word (the status flags of its last reply): a leaked MySqlTransaction
    /// is collected with its connection, so usually only the session shows the transaction.
    /// </summary>
    private static TransactionFact? ReadTransaction(ClrObject outer, bool inTransaction, bool recovered, FactReader reader, List<ulong> related)
    {
        var transaction = outer.IsNull ? default : reader.ReadObject(outer, "<CurrentTransaction>k__BackingField");
        if (!transaction.IsNull)
        {
            related.Add(transaction.Address);
        }

        if (!inTransaction)
        {
            return null;
        }

        return new TransactionFact
        {
            TypeName = transaction.Type?.Name ?? "MySqlConnector.MySqlTransaction",
            Address = transaction.IsNull ? 0 : transaction.Address,
            Open = true,
            State = recovered ? "in transaction (server side, after recovery)" : "in transaction",
        };
    }

    /// <summary>The session's reader (one reused instance per session) when open, and the SQL of its command.</summary>
    private (ReaderFact? Reader, string? Sql) ReadReader(ClrObject session, ClrObject outer, FactReader reader, List<ulong> related)
    {
        var active = outer.IsNull ? default : reader.ReadObject(outer, "m_activeReader");
        var dataReader = active.IsNull ? reader.ReadObject(session, "<DataReader>k__BackingField") : active;
        if (dataReader.IsNull)
        {
            return (null, null);
        }

        var command = reader.ReadObject(dataReader, "<Command>k__BackingField");
        var sql = command.IsNull ? null : reader.ReadString(command, commandTextField, reader.MaxSqlLength);
        // A session returned to its pool gets a fresh reader (not closed, but without a command): not an open one.
        var closed = reader.Read<bool>(dataReader, "m_closed") != false || command.IsNull;
        if (closed)
        {
            return (null, string.IsNullOrEmpty(sql) ? null : sql);
        }

        related.Add(dataReader.Address);
        var fact = new ReaderFact
        {
            TypeName = dataReader.Type?.Name ?? "MySqlConnector.MySqlDataReader",
            Address = dataReader.Address,
            Open = true,
            State = "open",
        };
        return (fact, string.IsNullOrEmpty(sql) ? null : sql);
    }
}
