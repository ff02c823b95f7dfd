using DbDoctor.Heap.Isolation;
using DbDoctor.Heap.Traversal;
using DbDoctor.Model;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Tests.DumpInput;

/// <summary>Bad input (exit 2) or a bug (exit 4) is decided by where the exception was thrown, with real exceptions.</summary>
public sealed class DumpReadFailureTests
{
    private static Exception Caught(Action action) => Assert.ThrowsAny<Exception>(action);

    [Fact]
    public void An_exception_raised_inside_ClrMD_reading_garbage_is_bad_input()
    {
        var garbage = Path.Combine(Path.GetTempPath(), "dbdoctor-garbage-" + Guid.NewGuid().ToString("N") + ".dmp");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());
        try
        {
            var e = Caught(() => DataTarget.LoadDump(garbage).Dispose());

            Assert.True(DumpReadFailure.IsFromDumpReading(e), e.ToString());
            Assert.True(DumpReadFailure.IsFromDumpReading(new InvalidOperationException("wrapped", e)));
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    [Fact]
    public void A_null_reference_in_dbdoctors_own_code_is_a_bug()
    {
        string? missing = null;

        var e = Caught(() => _ = missing!.Length);

        Assert.IsType<NullReferenceException>(e);
        Assert.False(DumpReadFailure.IsFromDumpReading(e));
    }

    [Fact]
    public void A_base_library_exception_called_from_dbdoctors_code_is_a_bug()
    {
        // The innermost frames are System.Linq's: they do not decide, the first dbdoctor frame below them does.
        var e = Caught(() => _ = Array.Empty<int>().First());

        Assert.False(DumpReadFailure.IsFromDumpReading(e));
    }

    [Fact]
    public void An_exception_inside_dbdoctors_own_reader_of_dump_bytes_is_bad_input()
    {
        var cache = new DumpBlockCache(null!);

        var e = Caught(() => cache.Read(0x1000, new byte[16]));

        Assert.True(DumpReadFailure.IsFromDumpReading(e), e.ToString());
    }

    [Fact]
    public void An_input_exception_stays_input_and_keeps_its_message()
    {
        var e = new DbDoctorInputException("not a dump");

        Assert.True(DumpReadFailure.IsFromDumpReading(e));
        Assert.Same(e, DumpReadFailure.AsInput("/tmp/x.dmp", e));
        Assert.Contains("corrupt dump", DumpReadFailure.AsInput("/tmp/x.dmp", new InvalidDataException()).Message, StringComparison.Ordinal);
    }
}
