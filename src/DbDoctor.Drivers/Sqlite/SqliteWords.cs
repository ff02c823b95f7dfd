namespace DbDoctor.Drivers;

/// <summary>Microsoft.Data.Sqlite's API, as the advice names it.</summary>
internal sealed class SqliteWords : DriverWords
{
    public override string ConnectionType => "SqliteConnection";
    public override string TransactionType => "SqliteTransaction";
    public override string ReaderType => "SqliteDataReader";
    public override string CommandType => "SqliteCommand";

    public override string LeakedTransactionAdvice() =>
        base.LeakedTransactionAdvice() + " A SQLite transaction left open keeps the database file locked: other writers get 'database is locked'.";

    // The driver lets the GC collect an undisposed connection with its readers and commands, but the pool slot stays
    // taken: the heap cannot tell a leaked reader from a leaked connection, so the advice names both.
    public override string LeakedConnectionAdvice() =>
        base.LeakedConnectionAdvice() + " An undisposed SqliteDataReader leaves exactly this too (the reader and its connection were collected; the pooled connection stays checked out): dispose readers with `using` as well.";

    // Microsoft.Data.Sqlite's pool has no maximum size, and no server to LISTEN to: what matters is the file lock.
    public override string HeldConnectionAdvice() =>
        $"Not a leak: application code holds these {ConnectionType}s on purpose ({HeldOnPurposeExamples}). " +
        "Keep any transaction on a held connection short: while it is open, the database file is locked for other writers ('database is locked').";

    public override string LeakedPoolAdvice() =>
        "Reuse one connection string per database and call SqliteConnection.ClearPool(connection) (or ClearAllPools) for databases you stop using; pools for dropped connection strings otherwise stay alive on the driver's timers.";

    public override string OnePoolForTenants =>
        "Keep the set of databases bounded, and call SqliteConnection.ClearPool for tenant databases that go quiet.";
}
