using Microsoft.Diagnostics.NETCore.Client;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>What a user gets for a file that is not a usable .NET heap dump (exit 2), or a wrong command line (exit 1).</summary>
[Collection("dump-bad-input")]
public sealed class DumpBadInputTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("dbdoctor-e2e-bad-input-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>Exit code 2, nothing on stdout, one sentence on stderr and no stack trace.</summary>
    private static void AssertRejectedInOneSentence(CliResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.True(result.Stdout.Length == 0, result.ToString());
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var message = Assert.Single(lines);
        Assert.StartsWith("dbdoctor: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", message, StringComparison.Ordinal);
        var sentence = message["dbdoctor: ".Length..].TrimEnd('.');
        Assert.True(!sentence.Contains(". ", StringComparison.Ordinal), $"more than one sentence: {message}");
    }

    [Fact]
    public async Task Missing_file()
    {
        AssertRejectedInOneSentence(await DbDoctorCli.RunAsync("dump", Path.Combine(directory, "no-such.dmp")));
    }

    [Fact]
    public async Task A_directory()
    {
        var result = await DbDoctorCli.RunAsync("dump", directory);
        AssertRejectedInOneSentence(result);
        Assert.Contains("is a directory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_file()
    {
        var path = Path.Combine(directory, "notes.dmp");
        await File.WriteAllTextAsync(path, "this is a text file, not a dump\n");
        AssertRejectedInOneSentence(await DbDoctorCli.RunAsync("dump", path));
    }

    [Fact]
    public async Task Random_bytes()
    {
        var path = Path.Combine(directory, "random.dmp");
        var bytes = new byte[1024 * 1024];
        new Random(42).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes);
        AssertRejectedInOneSentence(await DbDoctorCli.RunAsync("dump", path));
    }

    [Fact]
    public async Task Dump_without_the_gc_heap()
    {
        var path = Path.Combine(directory, "normal.dmp");
        using (var app = await TestApp.StartAsync("sqlite-transaction-leak", "--count", "1"))
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await new DiagnosticsClient(app.Pid).WriteDumpAsync(DumpType.Normal, path, logDumpGeneration: false, timeout.Token);
        }

        var result = await DbDoctorCli.RunAsync("dump", path, "--format", "json");

        AssertRejectedInOneSentence(result);
        Assert.Contains("heap", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Core_dump_of_a_process_that_is_not_dotnet()
    {
        var core = Path.Combine(directory, "sleep-core");
        using var sleep = System.Diagnostics.Process.Start("sleep", "120");
        try
        {
            var gcore = await ChildProcess.RunAsync("gcore", ["-o", core, sleep.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
            Assert.True(gcore.ExitCode == 0, $"gcore failed: {gcore.Stderr}");
        }
        finally
        {
            sleep.Kill();
            await sleep.WaitForExitAsync();
        }

        var path = $"{core}.{sleep.Id}";
        Assert.True(File.Exists(path), $"gcore wrote no {path}");
        var result = await DbDoctorCli.RunAsync("dump", path);

        AssertRejectedInOneSentence(result);
        Assert.Contains(".NET", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pipe_is_refused_without_waiting_for_a_writer()
    {
        var fifo = Path.Combine(directory, "pipe.dmp");
        var mkfifo = await ChildProcess.RunAsync("mkfifo", [fifo], TimeSpan.FromSeconds(10));
        Assert.True(mkfifo.ExitCode == 0, mkfifo.Stderr);
        var result = await DbDoctorCli.RunAsync(["dump", fifo], TimeSpan.FromSeconds(30));
        AssertRejectedInOneSentence(result);
        Assert.Contains("not a regular file", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dangling_symlink_and_symlink_loop_say_so()
    {
        var dangling = Path.Combine(directory, "dangling.dmp");
        File.CreateSymbolicLink(dangling, Path.Combine(directory, "gone.dmp"));
        var result = await DbDoctorCli.RunAsync("dump", dangling);
        AssertRejectedInOneSentence(result);
        Assert.Contains("symbolic link", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);

        var a = Path.Combine(directory, "a.dmp");
        var b = Path.Combine(directory, "b.dmp");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        result = await DbDoctorCli.RunAsync("dump", a);
        AssertRejectedInOneSentence(result);
        Assert.Contains("loop", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_elf_core_says_truncated()
    {
        var path = Path.Combine(directory, "short.dmp");
        var header = new byte[64];
        "\u007fELF"u8.CopyTo(header);
        header[4] = 2;
        header[5] = 1;
        header[16] = 4; // ET_CORE
        header[32] = 64; // e_phoff
        header[54] = 56; // e_phentsize
        header[56] = 10; // e_phnum: ten program headers the file does not contain
        await File.WriteAllBytesAsync(path, header);
        var result = await DbDoctorCli.RunAsync("dump", path);
        AssertRejectedInOneSentence(result);
        Assert.Contains("truncated", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_tmpdir_is_refused_and_not_created()
    {
        var dump = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");
        var missing = Path.Combine(directory, "no-such-tmp");
        var result = await DbDoctorCli.RunAsync(["dump", dump.Path], null, new Dictionary<string, string> { ["TMPDIR"] = missing });
        AssertRejectedInOneSentence(result);
        Assert.Contains("TMPDIR", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing), "dbdoctor created the missing TMPDIR");
    }

    [Fact]
    public async Task Standard_output_on_a_full_device_is_an_output_error()
    {
        var dump = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");
        var run = await ChildProcess.RunAsync("/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", ChildProcess.DotnetHost, DbDoctorCli.DllPath, "dump", dump.Path],
            DbDoctorCli.DefaultTimeout, stdin: null, environment: null);
        var result = new CliResult(run.ExitCode, run.Stdout, run.Stderr, run.Duration);
        AssertRejectedInOneSentence(result);
        Assert.Contains("standard output", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_dump_argument_is_a_usage_error()
    {
        var result = await DbDoctorCli.RunAsync("dump");
        Assert.True(result.ExitCode == 1, result.ToString());
    }

    [Fact]
    public async Task Unknown_format_is_a_usage_error()
    {
        var path = Path.Combine(directory, "unused.dmp");
        await File.WriteAllTextAsync(path, "x");
        var result = await DbDoctorCli.RunAsync("dump", path, "--format", "xml");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("xml", result.AllOutput, StringComparison.Ordinal);
    }
}

[CollectionDefinition("dump-bad-input")]
public sealed class DumpBadInputCollection;
