namespace DbDoctor.Diagnosis;

public enum DriverFamily
{
    Other,
    Npgsql,
    Sqlite,
    SqlClient,
}

/// <summary>
/// The advice and words of each driver, in one place: findings speak the driver's own API
/// (NpgsqlDataSource, SqliteConnection, SqlConnection) and the server's own settings.
/// </summary>
public static class DriverTerms
{
    public static DriverFamily FamilyOf(string? driver)
    {
        if (driver is null)
        {
            return DriverFamily.Other;
        }

        if (driver.Contains("npgsql", StringComparison.OrdinalIgnoreCase) || driver.Contains("postgres", StringComparison.OrdinalIgnoreCase))
        {
            return DriverFamily.Npgsql;
        }

        if (driver.Contains("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            return DriverFamily.Sqlite;
        }

        return driver.Contains("sqlclient", StringComparison.OrdinalIgnoreCase) || driver.Contains("sqlserver", StringComparison.OrdinalIgnoreCase)
            ? DriverFamily.SqlClient
            : DriverFamily.Other;
    }

    public static (string Connection, string Transaction, string Reader, string Command) TypeNames(DriverFamily family) => family switch
    {
        DriverFamily.Npgsql => ("NpgsqlConnection", "NpgsqlTransaction", "NpgsqlDataReader", "NpgsqlCommand"),
        DriverFamily.Sqlite => ("SqliteConnection", "SqliteTransaction", "SqliteDataReader", "SqliteCommand"),
        DriverFamily.SqlClient => ("SqlConnection", "SqlTransaction", "SqlDataReader", "SqlCommand"),
        _ => ("DbConnection", "DbTransaction", "DbDataReader", "DbCommand"),
    };

    public static string LeakedTransactionAdvice(string driver)
    {
        var family = FamilyOf(driver);
        var (connection, transaction, _, _) = TypeNames(family);
        var common = $"Open the {connection} and begin the {transaction} with `await using` (or `using`), and commit on the success path: " +
                     $"disposing an uncommitted {transaction} rolls it back, and disposing the {connection} returns it to the pool. " +
                     "Where the code cannot use `using`, roll back in a catch/finally.";
        return family switch
        {
            DriverFamily.Npgsql => common + " As a safety net, set PostgreSQL's idle_in_transaction_session_timeout (e.g. '60s') so the server ends sessions left idle in a transaction; they hold locks and block VACUUM meanwhile.",
            DriverFamily.Sqlite => common + " A SQLite transaction left open keeps the database file locked: other writers get 'database is locked'.",
            DriverFamily.SqlClient => common + " SQL Server keeps the transaction's locks until the connection is reset; SET XACT_ABORT ON makes errors roll back.",
            _ => common,
        };
    }

    public static string LeakedReaderAdvice(string driver)
    {
        var (connection, _, reader, command) = TypeNames(FamilyOf(driver));
        return $"Dispose every {reader} (`await using var reader = await cmd.ExecuteReaderAsync()`), including when the loop over it stops early or throws. " +
               $"When a reader is handed to a caller that owns it, use {command}.ExecuteReader(CommandBehavior.CloseConnection) so disposing the reader also returns the {connection} to the pool.";
    }

    public static string LeakedConnectionAdvice(string driver)
    {
        var family = FamilyOf(driver);
        var (connection, _, _, _) = TypeNames(family);
        var opening = family == DriverFamily.Npgsql
            ? "`await using var connection = await dataSource.OpenConnectionAsync();`"
            : $"`await using var connection = new {connection}(...); await connection.OpenAsync();`";
        var advice = $"Wrap every {connection} in `await using` ({opening}) so it goes back to the pool on every path, exceptions included; " +
                     "do not keep opened connections in fields or caches without closing them.";

        // Microsoft.Data.Sqlite lets the GC collect an undisposed connection with its readers and commands, but the pool
        // slot stays taken: the heap cannot tell a leaked reader from a leaked connection, so the advice names both.
        return family == DriverFamily.Sqlite
            ? advice + " An undisposed SqliteDataReader leaves exactly this too (the reader and its connection were collected; the pooled connection stays checked out): dispose readers with `using` as well."
            : advice;
    }

    public static string HeldConnectionAdvice(string driver)
    {
        var (connection, _, _, _) = TypeNames(FamilyOf(driver));
        return $"Not a leak: application code holds these {connection}s on purpose (a LISTEN loop, a long job). " +
               "Make sure the pool's Maximum Pool Size leaves room for them, and keep any transaction on a held connection short.";
    }

    public static string LeakedPoolAdvice(string driver) => FamilyOf(driver) switch
    {
        DriverFamily.Npgsql => "Dispose every NpgsqlDataSource you stop using (`await dataSource.DisposeAsync()`): Npgsql lists each data source in a static registry, so one that is dropped undisposed is never collected and keeps its connections open. " +
                               "Build one NpgsqlDataSource per distinct connection string and reuse it (register it as a singleton, or keep one per tenant in a cache that disposes evicted entries).",
        DriverFamily.Sqlite => "Reuse one connection string per database and call SqliteConnection.ClearPool(connection) (or ClearAllPools) for databases you stop using; pools for dropped connection strings otherwise stay alive on the driver's timers.",
        DriverFamily.SqlClient => "Reuse one connection string per database and call SqlConnection.ClearPool(connection) for ones you stop using; pools of dropped connection strings stay alive on the driver's timers.",
        _ => "Dispose data sources you stop using, and keep one per distinct connection string (a singleton, or a cache per tenant that disposes evicted entries).",
    };

    public static string PoolSprawlAdvice(string driver, IReadOnlyList<string> varyingKeys)
    {
        var keys = string.Join(", ", varyingKeys);
        var oneKey = FamilyOf(driver) switch
        {
            DriverFamily.Npgsql => "Use one NpgsqlDataSource for the shared server and select the tenant in the query (a tenant_id column or `SET search_path` per command) instead of one pool per tenant.",
            DriverFamily.Sqlite => "Keep the set of databases bounded, and call SqliteConnection.ClearPool for tenant databases that go quiet.",
            _ => "Use one pool for the shared server and carry the tenant in the query instead of in the connection string.",
        };
        return $"Every distinct connection string gets its own pool with its own connections. {oneKey} " +
               $"If per-tenant pools are needed, cap their number and their Maximum Pool Size, and keep tenant-specific values ({keys}) out of the connection string where possible.";
    }

    public static string PoolExhaustionAdvice(string driver)
    {
        var family = FamilyOf(driver);
        var common = "Fix the finding that keeps connections checked out (a leak returns nothing to the pool); raising Maximum Pool Size only delays exhaustion. " +
                     "Keep connections checked out only for the duration of one unit of work.";
        return family switch
        {
            DriverFamily.Npgsql => common + " Until then, a short Timeout in the connection string fails fast instead of queueing every request for 15 s.",
            DriverFamily.SqlClient => common + " Until then, a short Connect Timeout fails fast instead of queueing requests.",
            _ => common,
        };
    }

    public static bool IsExhaustionMessage(string? message) =>
        message is not null
        && (message.Contains("connection pool has been exhausted", StringComparison.OrdinalIgnoreCase)
            || message.Contains("prior to obtaining a connection from the pool", StringComparison.OrdinalIgnoreCase));
}
