using System.Globalization;
using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Fuzz;

/// <summary>
/// Damaged copies of a real scenario dump (<see cref="DumpMutator"/>, fixed seeds): every one must be answered cleanly.
/// No crash and no internal error (exit 4), no hang, one sentence on stderr, no temporary files left, and never a
/// "healthy" exit 0 on a heap that was mostly not read. The long version runs more seeds:
/// <c>DBDOCTOR_FUZZ_MUTANTS=400 dotnet test tests/DbDoctor.EndToEnd --filter DumpFuzzTests</c>.
/// </summary>
[Collection("dump-fuzz")]
public sealed class DumpFuzzTests : IDisposable
{
    private const int DefaultMutants = 27;
    private readonly string _directory = Directory.CreateTempSubdirectory("dbdoctor-e2e-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Damaged_dumps_are_answered_cleanly()
    {
        var dump = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");
        var intact = await RunAsync(dump.Path);
        Assert.True(intact.ExitCode == 3, intact.ToString());
        var intactLive = LiveObjects(intact)!.Value;

        var working = Path.Combine(_directory, "working.dmp");
        File.Copy(dump.Path, working);
        var mutator = new DumpMutator(working);
        var mutants = int.TryParse(Environment.GetEnvironmentVariable("DBDOCTOR_FUZZ_MUTANTS"), out var n) ? n : DefaultMutants;
        var firstSeed = int.TryParse(Environment.GetEnvironmentVariable("DBDOCTOR_FUZZ_SEED"), out var s) ? s : 0;
        var failures = new List<string>();
        var outcomes = new Dictionary<int, int>();
        for (var seed = firstSeed; seed < firstSeed + mutants; seed++)
        {
            var mutation = mutator.Create(seed);
            var path = Apply(working, mutation, out var undo);
            CliResult result;
            try
            {
                result = await RunAsync(path);
            }
            finally
            {
                Undo(path, working, undo);
            }

            outcomes[result.ExitCode] = outcomes.GetValueOrDefault(result.ExitCode) + 1;
            if (Problem(result, intactLive) is { } problem)
            {
                failures.Add($"seed {seed} ({mutation.Description}): {problem}\n{result}");
            }
        }

        var summary = string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"exit {o.Key}: {o.Value}"));
        Assert.True(failures.Count == 0, $"{failures.Count} of {mutants} damaged dumps were not answered cleanly ({summary}):\n{string.Join("\n\n", failures)}");
    }

    private static string? Problem(CliResult result, long intactLive)
    {
        if (result.ExitCode is not (0 or 2 or 3))
        {
            return $"exit code {result.ExitCode}";
        }

        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (result.Stderr.Contains("   at ", StringComparison.Ordinal) || result.Stderr.Contains("internal error", StringComparison.Ordinal) || lines.Length > 1)
        {
            return "stderr is not one sentence";
        }

        if (result.ExitCode == 0 && LiveObjects(result) is { } live && live * 2 < intactLive)
        {
            return $"healthy verdict after reading {live} of {intactLive} objects";
        }

        return null;
    }

    private static long? LiveObjects(CliResult result)
    {
        if (result.Stdout.Length == 0)
        {
            return null;
        }

        using var json = result.ParseStdoutJson();
        return json.RootElement.TryGetProperty("snapshot", out var snapshot) && snapshot.ValueKind == JsonValueKind.Object
            ? snapshot.GetProperty("liveObjects").GetInt64()
            : null;
    }

    /// <summary>Each run gets a private TMPDIR that must be empty afterwards (the worker's files, ClrMD's symbol cache).</summary>
    private async Task<CliResult> RunAsync(string path)
    {
        var temp = Directory.CreateDirectory(Path.Combine(_directory, "tmp")).FullName;
        var environment = new Dictionary<string, string> { ["TMPDIR"] = temp, ["DBDOCTOR_ANALYSIS_TIMEOUT"] = "60" };
        var result = await DbDoctorCli.RunAsync(["dump", path, "--format", "json"], TimeSpan.FromSeconds(120), environment);
        var left = Directory.GetFileSystemEntries(temp);
        Directory.Delete(temp, recursive: true);
        return left.Length == 0 ? result : result with { Stderr = result.Stderr + $"\nleft in TMPDIR: {string.Join(", ", left)}\n" };
    }

    private string Apply(string working, DumpMutation mutation, out List<(long Offset, byte[] Bytes)> undo)
    {
        undo = [];
        if (mutation.TruncateTo is { } length)
        {
            var truncated = Path.Combine(_directory, "truncated.dmp");
            using var source = File.OpenRead(working);
            using var target = File.Create(truncated);
            var buffer = new byte[1 << 20];
            for (var left = length; left > 0;)
            {
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                target.Write(buffer, 0, read);
                left -= read;
            }

            return truncated;
        }

        using var stream = new FileStream(working, FileMode.Open, FileAccess.ReadWrite);
        foreach (var (offset, bytes) in mutation.Patches)
        {
            var old = new byte[bytes.Length];
            stream.Position = offset;
            stream.ReadExactly(old);
            undo.Add((offset, old));
            stream.Position = offset;
            stream.Write(bytes);
        }

        return working;
    }

    private static void Undo(string path, string working, List<(long Offset, byte[] Bytes)> undo)
    {
        if (path != working)
        {
            File.Delete(path);
            return;
        }

        using var stream = new FileStream(working, FileMode.Open, FileAccess.ReadWrite);
        // Reverse order: overlapping patches restore the original bytes last.
        for (var i = undo.Count - 1; i >= 0; i--)
        {
            stream.Position = undo[i].Offset;
            stream.Write(undo[i].Bytes);
        }
    }
}

[CollectionDefinition("dump-fuzz")]
public sealed class DumpFuzzCollection;
