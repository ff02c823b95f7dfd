namespace DbDoctor.Drivers;

/// <summary>Database drivers and data libraries without a profile: `dbdoctor ps` still names them when loaded.</summary>
internal static class WellKnownAssemblies
{
    public static IReadOnlyList<(string File, string Name)> Unprofiled { get; } =
    [
        ("System.Data.SqlClient.dll", "System.Data.SqlClient"),
        ("MySql.Data.dll", "MySql.Data"),
        ("Oracle.ManagedDataAccess.dll", "Oracle.ManagedDataAccess"),
        ("FirebirdSql.Data.FirebirdClient.dll", "FirebirdSql.Data.FirebirdClient"),
        ("System.Data.SQLite.dll", "System.Data.SQLite"),
        ("Microsoft.EntityFrameworkCore.dll", "Microsoft.EntityFrameworkCore"),
        ("Dapper.dll", "Dapper"),
    ];
}
