using DbDoctor.Model;

namespace DbDoctor.Tests.Model;

/// <summary>An internal error (exit 4) is one line: it is a bug, what failed, where to report it; the stack only on request.</summary>
public sealed class InternalErrorTextTests
{
    private static Exception Thrown()
    {
        try
        {
            throw new InvalidOperationException("Sequence contains no elements.\nsecond line of detail");
        }
        catch (InvalidOperationException e)
        {
            return e;
        }
    }

    [Fact]
    public void Without_debug_it_is_one_line_naming_the_failure_and_where_to_report_it()
    {
        var text = InternalErrorText.For(Thrown(), debug: false);

        Assert.DoesNotContain('\n', text);
        Assert.StartsWith("dbdoctor: internal error: Sequence contains no elements (this is a bug in dbdoctor", text, StringComparison.Ordinal);
        Assert.Contains("report it on the DbDoctor issue tracker", text, StringComparison.Ordinal);
        Assert.Contains("DBDOCTOR_DEBUG=1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void With_debug_the_stack_trace_follows_the_line()
    {
        var text = InternalErrorText.For(Thrown(), debug: true);

        var lines = text.Split('\n');
        Assert.StartsWith("dbdoctor: internal error: Sequence contains no elements (", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("   at ", StringComparison.Ordinal) && l.Contains(nameof(Thrown), StringComparison.Ordinal));
    }
}
