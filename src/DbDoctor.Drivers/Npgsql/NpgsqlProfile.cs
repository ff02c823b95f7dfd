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
            // Verified by the test-app matrix (8.0.9, 9.0.5, 10.0.3; TargetMatrixTests) and the 10.0.0 end-to-end tests.
            new KnowledgeFamily
            {
                First = new Version(8, 0),
                Last = new Version(9, 0),
                Heap = new NpgsqlHeapKnowledge(NpgsqlHeapKnowledge.Registries8),
                Telemetry = NpgsqlTelemetry.Npgsql8,
            },
            new KnowledgeFamily
            {
                First = new Version(10, 0),
                Last = new Version(10, 0),
                Heap = new NpgsqlHeapKnowledge(NpgsqlHeapKnowledge.Registries10),
                Telemetry = NpgsqlTelemetry.Npgsql10,
            },
        ],
        ConnectionStrings = new NpgsqlConnectionStrings(),
        Words = new NpgsqlWords(),
        Errors = new NpgsqlErrors(),
        Server = new NpgsqlServerProbe(),
        Activities = new DriverActivities
        {
            // Npgsql 10 tags its command and connect activities when they stop (the start carries no tags).
            Source = "Npgsql",
            ServerPidTags = ["db.npgsql.connection_id", "db.connection_id"],
            SqlTags = ["db.query.text", "db.statement"],
            // "CONNECT <database>": a new physical connection, not a checkout from the pool.
            OpenNames = ["CONNECT"],
            OpenIsCheckout = false,
        },
    };
}
