namespace DbDoctor.Drivers;

/// <summary>Microsoft.Data.SqlClient, the SQL Server driver: every part DbDoctor knows of it lives in this folder.</summary>
internal static class SqlClientProfile
{
    public const string Name = "Microsoft.Data.SqlClient";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Microsoft.Data.SqlClient.dll"],
        Families =
        [
            new KnowledgeFamily
            {
                First = new Version(2, 1),
                Last = new Version(2, 1),
                Heap = new SqlClientHeapKnowledge(),
                Telemetry = new SqlClientTelemetry(),
            },
        ],
        ConnectionStrings = new SqlClientConnectionStrings(),
        Words = new SqlClientWords(),
        Errors = new SqlClientErrors(),
    };
}
