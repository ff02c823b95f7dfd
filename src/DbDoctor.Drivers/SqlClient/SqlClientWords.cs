using DbDoctor.Model.Facts;

namespace DbDoctor.Drivers;

/// <summary>SqlClient's API and SQL Server's settings, as the advice names them.</summary>
internal sealed class SqlClientWords : DriverWords
{
    public override string ConnectionType => "SqlConnection";
    public override string TransactionType => "SqlTransaction";
    public override string ReaderType => "SqlDataReader";
    public override string CommandType => "SqlCommand";

    public override string LeakedTransactionAdvice() =>
        base.LeakedTransactionAdvice() + " SQL Server keeps the transaction's locks until the connection is reset; SET XACT_ABORT ON makes errors roll back.";

    public override string LeakedPoolAdvice() =>
        "Reuse one connection string per database and call SqlConnection.ClearPool(connection) for ones you stop using; pools of dropped connection strings stay alive on the driver's timers.";

    public override string PoolExhaustionAdvice() =>
        base.PoolExhaustionAdvice() + " Until then, a short Connect Timeout fails fast instead of queueing requests.";

    public override string StalePoolChange(double? serverTimeoutSeconds, IReadOnlyList<PoolFact> pools) =>
        "idle connections stay pooled for up to 8 minutes (the driver's cleanup timer cannot be shortened): set Connection Lifetime (checked when a connection returns to the pool) below that timeout, " +
        "and do not keep a Min Pool Size of connections that sit idle past it.";
}
