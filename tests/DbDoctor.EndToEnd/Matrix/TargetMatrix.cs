namespace DbDoctor.EndToEnd.Matrix;

/// <summary>
/// The cells of the runtime × driver matrix <see cref="TargetMatrixTests"/> runs. By default a bounded set that keeps
/// the suite within its budget: each runtime once, each with the Npgsql and Microsoft.Data.Sqlite family of its own
/// major version (net10.0 with the newest). <c>DBDOCTOR_FULL_MATRIX=1</c> runs every runtime with every Npgsql family.
/// Microsoft.Data.Sqlite's families on .NET 10 are <see cref="SqliteMatrixTests"/>'s.
/// </summary>
public static class TargetMatrix
{
    public const string FullMatrixVariable = "DBDOCTOR_FULL_MATRIX";

    /// <summary>The newest served versions of each family (the package feed's, December 2026).</summary>
    private static readonly string[] Runtimes = ["net8.0", "net9.0", "net10.0"];
    private static readonly string[] NpgsqlVersions = ["8.0.9", "9.0.5", "10.0.3"];

    /// <summary>Microsoft.Data.Sqlite of the runtime's own major version, and the SQLitePCLRaw bundle it pairs with.</summary>
    private static (string Sqlite, string SqlitePcl) SqliteFor(string runtime) => runtime switch
    {
        "net8.0" => ("8.0.34", "2.1.13"),
        "net9.0" => ("9.0.23", "2.1.13"),
        _ => ("10.0.15", "2.1.13"),
    };

    public static bool Full => Environment.GetEnvironmentVariable(FullMatrixVariable) == "1";

    /// <summary>The cells of this run: runtime, Npgsql, Microsoft.Data.Sqlite, SQLitePCLRaw bundle.</summary>
    public static TheoryData<string, string, string, string> Cells
    {
        get
        {
            var data = new TheoryData<string, string, string, string>();
            foreach (var runtime in Runtimes)
            {
                var (sqlite, sqlitePcl) = SqliteFor(runtime);
                for (var i = 0; i < NpgsqlVersions.Length; i++)
                {
                    // The bounded set: the diagonal (net8.0 with Npgsql 8, net9.0 with 9, net10.0 with 10).
                    if (Full || Array.IndexOf(Runtimes, runtime) == i)
                    {
                        data.Add(runtime, NpgsqlVersions[i], sqlite, sqlitePcl);
                    }
                }
            }

            return data;
        }
    }

    public static TestAppCell Cell(string runtime, string npgsql, string sqlite, string sqlitePcl) =>
        new(runtime, Npgsql: npgsql, Sqlite: sqlite, SqlitePcl: sqlitePcl);
}
