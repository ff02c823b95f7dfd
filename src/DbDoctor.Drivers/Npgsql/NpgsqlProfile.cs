namespace DbDoctor.Drivers;

/// <summary>Npgsql, the PostgreSQL driver: every part DbDoctor knows of it lives in this folder.</summary>
internal static class NpgsqlProfile
{
    public const string Name = "Npgsql";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Npgsql.dll"],
        Families =
        [
            new KnowledgeFamily
            {
                First = new Version(10, 0),
                Last = new Version(10, 0),
                Heap = new NpgsqlHeapKnowledge(),
                Telemetry = new NpgsqlTelemetry(),
            },
        ],
        ConnectionStrings = new NpgsqlConnectionStrings(),
        Words = new NpgsqlWords(),
        Errors = new NpgsqlErrors(),
        Server = new NpgsqlServerProbe(),
    };
}
