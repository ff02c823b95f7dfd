using DbDoctor.Drivers;
using DbDoctor.Diagnosis;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Diagnosis;

public class DriverWordsTests
{
    [Theory]
    [InlineData("Npgsql", "NpgsqlConnection")]
    [InlineData("Microsoft.Data.Sqlite", "SqliteConnection")]
    [InlineData("Microsoft.Data.SqlClient", "SqlConnection")]
    [InlineData("FirebirdSql.Data.FirebirdClient", "DbConnection")]
    public void A_driver_name_picks_its_profile_and_an_unknown_one_the_generic_profile(string driver, string connectionType)
    {
        var profile = DriverCatalog.Default.Resolve(driver);

        Assert.Equal(connectionType, profile.Words.ConnectionType);
        Assert.Equal(connectionType == "DbConnection", profile.IsGeneric);
    }

    [Fact]
    public void Sqlite_leaked_transaction_speaks_sqlite_and_has_no_postgres_server_state()
    {
        var pool = new PoolFact { Driver = Sqlite, Address = 0x1, TypeName = "Microsoft.Data.Sqlite.SqliteConnectionPool", Name = "Data Source=app.db", DriverManaged = true, RetainedBy = ["timer"], Busy = 1, Total = 1, Idle = 0 };
        var connection = Connector(0x10, 0x1, transaction: true, driver: Sqlite) with { TypeName = "Microsoft.Data.Sqlite.SqliteConnectionInternal" };

        var finding = Single(Diagnose(Heap([pool], [connection])), FindingKinds.LeakedTransaction);

        Assert.Contains("SqliteTransaction", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("database is locked", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("idle_in_transaction_session_timeout", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain(finding.Evidence, e => e.Contains("pg_stat_activity", StringComparison.Ordinal));
    }

    [Fact]
    public void SqlClient_leaked_reader_advice_names_sql_types()
    {
        var connection = Connector(0x10, 0x99, reader: true, driver: "Microsoft.Data.SqlClient");

        var finding = Single(Diagnose(Heap([], [connection])), FindingKinds.LeakedReader);

        Assert.Contains("SqlDataReader", finding.Advice, StringComparison.Ordinal);
        Assert.Contains("SqlCommand.ExecuteReader(CommandBehavior.CloseConnection)", finding.Advice, StringComparison.Ordinal);
        Assert.Null(finding.Pool);
    }

    [Fact]
    public void A_password_in_a_pool_name_never_reaches_the_findings()
    {
        var pool = NpgsqlPool(0x1, busy: 1) with { Name = "Host=db;Password=hunter2", ConnectionString = "Host=db;Password=hunter2" };

        var report = Diagnose(Heap([pool], [Connector(0x10, 0x1)]));

        var everything = string.Join("\n", report.Findings.SelectMany(f => f.Evidence.Append(f.Title).Append(f.Pool ?? "")).Concat(report.Pools.Select(p => p.Name)));
        Assert.DoesNotContain("hunter2", everything, StringComparison.Ordinal);
        Assert.Contains("Password=***", everything, StringComparison.Ordinal);
    }
}
