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
            new KnowledgeFamily
            {
                First = new Version(6, 0),
                Last = new Version(6, 0),
                Heap = new SqliteHeapKnowledge(),
            },
        ],
        ConnectionStrings = new ConnectionStringSemantics(),
        Words = new SqliteWords(),
        Errors = new SqliteErrors(),
    };
}
