using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.GroundTruth;

public sealed class DumpCacheTests
{
    [Fact]
    public async Task Writes_a_heap_dump_once_per_scenario_and_arguments()
    {
        var first = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");
        var again = await DumpCache.GetAsync("sqlite-transaction-leak", "--count", "2");

        Assert.Same(first, again);
        Assert.True(File.Exists(first.Path));

        // A dump without the GC heap is ~17 MB; with it, well over 50 MB.
        Assert.True(new FileInfo(first.Path).Length > 50L * 1024 * 1024, $"{first.Path} is only {new FileInfo(first.Path).Length} bytes");
        Assert.Equal(2, first.ExpectedCount("leaked-transaction"));
        Assert.Contains(first.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), first.HandshakeLine, StringComparison.Ordinal);
    }
}
