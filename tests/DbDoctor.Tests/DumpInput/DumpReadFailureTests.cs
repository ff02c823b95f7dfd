extern alias HeapEngine;

using DbDoctor.Model;
using HeapEngine::DbDoctor.Heap.Isolation;
using HeapEngine::DbDoctor.Heap.Traversal;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Tests.DumpInput;

/// <summary>
/// Bad input (exit 2) or a bug (exit 4) is decided by where a real exception was thrown: in the dump-reading layer
/// (ClrMD, dbdoctor's raw-byte readers) or in dbdoctor's own analysis code.
/// </summary>
public sealed class DumpReadFailureTests
{
    private static Exception Caught(Action action) => Assert.ThrowsAny<Exception>(action);

    [Fact]
    public void An_exception_raised_inside_ClrMD_reading_garbage_is_an_unreadable_dump()
    {
        var garbage = Path.Combine(Path.GetTempPath(), "dbdoctor-garbage-" + Guid.NewGuid().ToString("N") + ".dmp");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 4096).Select(i => (byte)(i * 37)).ToArray());
        try
        {
            var e = Caught(() => DataTarget.LoadDump(garbage).Dispose());

            Assert.Equal(AnalysisFailure.UnreadableDump, DumpReadFailure.Classify(e));
            // Wrapped without being thrown (no frames of its own): the cause decides.
            Assert.Equal(AnalysisFailure.UnreadableDump, DumpReadFailure.Classify(new AggregateException(e)));
        }
        finally
        {
            File.Delete(garbage);
        }
    }

    [Fact]
    public void An_exception_inside_dbdoctors_own_reader_of_dump_bytes_is_an_unreadable_dump()
    {
        // A cache without a reader fails on its first read, inside the marked layer: the innermost frame is DumpBlockCache.Read.
        var cache = new DumpBlockCache(null!);

        var e = Caught(() => cache.Read(0x1000, new byte[16]));

        Assert.Equal(AnalysisFailure.UnreadableDump, DumpReadFailure.Classify(e));
    }

    [Fact]
    public void An_exception_in_the_engines_analysis_code_is_an_internal_error()
    {
        // The traversal's mark bits, built over no segment, are asked for a segment end: an index bug in analysis code.
        using var marks = new HeapMarks([]);

        var e = Caught(() => _ = marks.LastSegmentEnd);

        Assert.IsType<IndexOutOfRangeException>(e);
        Assert.Equal(AnalysisFailure.InternalError, DumpReadFailure.Classify(e));
    }

    [Fact]
    public void A_null_reference_in_dbdoctors_own_code_is_an_internal_error()
    {
        string? missing = null;

        var e = Caught(() => _ = missing!.Length);

        Assert.IsType<NullReferenceException>(e);
        Assert.Equal(AnalysisFailure.InternalError, DumpReadFailure.Classify(e));
    }

    [Fact]
    public void A_base_library_exception_called_from_dbdoctors_code_is_an_internal_error()
    {
        // The innermost frames are System.Linq's: they do not decide, the first dbdoctor frame below them does.
        var e = Caught(() => _ = Array.Empty<int>().First());

        Assert.IsType<InvalidOperationException>(e);
        Assert.Equal(AnalysisFailure.InternalError, DumpReadFailure.Classify(e));
    }

    [Fact]
    public void An_exception_that_was_never_thrown_and_has_no_cause_is_an_internal_error()
    {
        Assert.Equal(AnalysisFailure.InternalError, DumpReadFailure.Classify(new InvalidOperationException("no frames")));
    }

    [Fact]
    public void An_input_exception_stays_input_and_keeps_its_message()
    {
        var e = new DbDoctorInputException("not a dump");

        Assert.Equal(AnalysisFailure.UnreadableDump, DumpReadFailure.Classify(e));
        Assert.Same(e, DumpReadFailure.AsInput("/tmp/x.dmp", e));
        Assert.Contains("'/tmp/x.dmp' is a corrupt dump", DumpReadFailure.AsInput("/tmp/x.dmp", new InvalidDataException()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_worker_answers_a_dump_reading_failure_as_input_and_a_bug_as_internal_with_its_stack()
    {
        var garbage = Path.Combine(Path.GetTempPath(), "dbdoctor-garbage-" + Guid.NewGuid().ToString("N") + ".dmp");
        File.WriteAllBytes(garbage, new byte[4096]);
        try
        {
            var fromDump = Caught(() => DataTarget.LoadDump(garbage).Dispose());
            var input = HeapWorker.FailureAnswer(garbage, fromDump);
            Assert.Equal("input", input.Kind);
            Assert.StartsWith($"'{garbage}' is a corrupt dump", input.Message, StringComparison.Ordinal);
            Assert.Null(input.Detail);
        }
        finally
        {
            File.Delete(garbage);
        }

        string? missing = null;
        var bug = Caught(() => _ = missing!.Length);
        var internalError = HeapWorker.FailureAnswer("/tmp/x.dmp", bug);
        Assert.Equal("internal", internalError.Kind);
        Assert.Equal(bug.Message, internalError.Message);
        Assert.Contains(nameof(The_worker_answers_a_dump_reading_failure_as_input_and_a_bug_as_internal_with_its_stack), internalError.Detail, StringComparison.Ordinal);
    }
}
