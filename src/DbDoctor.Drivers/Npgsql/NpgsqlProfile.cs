namespace DbDoctor.Drivers;

/// <summary>Npgsql, the PostgreSQL driver: every part DbDoctor knows of it lives in this folder.</summary>
internal static class NpgsqlProfile
{
    public const string Name = "Npgsql";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Npgsql.dll"],
        Heap = new NpgsqlHeapKnowledge(),
        ConnectionStrings = new NpgsqlConnectionStrings(),
        Words = new NpgsqlWords(),
        Errors = new NpgsqlErrors(),
    };
}
