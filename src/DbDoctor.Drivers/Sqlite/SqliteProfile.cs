namespace DbDoctor.Drivers;

/// <summary>Microsoft.Data.Sqlite, an in-process database: every part DbDoctor knows of it lives in this folder.</summary>
internal static class SqliteProfile
{
    public const string Name = "Microsoft.Data.Sqlite";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Microsoft.Data.Sqlite.dll"],
        Embedded = true,
        Families =
        [
            // Verified by the test-app matrix (6.0.0, 8.0.34, 9.0.23, 10.0.15, 11.0.0): only the idle stacks changed, in 9.0.
            new KnowledgeFamily
            {
                First = new Version(6, 0),
                Last = new Version(8, 0),
                Heap = new SqliteHeapKnowledge(SqliteIdleStacks.Concurrent),
            },
            new KnowledgeFamily
            {
                First = new Version(9, 0),
                Last = new Version(11, 0),
                Heap = new SqliteHeapKnowledge(SqliteIdleStacks.Plain),
            },
        ],
        ConnectionStrings = new ConnectionStringSemantics(),
        Words = new SqliteWords(),
        Errors = new SqliteErrors(),
    };
}
