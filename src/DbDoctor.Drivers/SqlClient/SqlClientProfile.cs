namespace DbDoctor.Drivers;

/// <summary>Microsoft.Data.SqlClient, the SQL Server driver: every part DbDoctor knows of it lives in this folder.</summary>
internal static class SqlClientProfile
{
    public const string Name = "Microsoft.Data.SqlClient";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Microsoft.Data.SqlClient.dll"],
        Heap = new SqlClientHeapKnowledge(),
        ConnectionStrings = new SqlClientConnectionStrings(),
        Words = new SqlClientWords(),
        Errors = new SqlClientErrors(),
    };
}
