using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// Issue 12 item 2: the walk reads a huge object's references a chunk at a time and sets aside what lies deeper than its
/// stack, so the counts must still be exact with a held connection at the far end of one huge list, one big dictionary
/// or one deep chain (<c>sqlite-wide</c>): a walker that skipped part of the object, or lost its place deep in the chain,
/// would call that connection orphaned.
/// </summary>
[Collection("sqlite-dumps")]
public sealed class WideObjectDumpTests
{
    // Over 64 KiB of references in one array (300,000 entries = 2.3 MiB: 37 chunks), a chain 30 times the walk's deepest stack.
    private const string Entries = "300000";

    [Theory]
    [InlineData("list")]
    [InlineData("dictionary")]
    [InlineData("linked-list")]
    public async Task A_connection_at_the_far_end_of_a_wide_or_deep_object_is_held_and_the_counts_are_exact(string shape)
    {
        var dump = await DumpCache.GetAsync("sqlite-wide", "--ballast", Entries, "--ballast-shape", shape);
        var report = await DumpReport.OfAsync(dump);

        report.AssertMatchesHandshake();
        Assert.Equal(3, report.Cli.ExitCode);
        Assert.Equal(1, report.CountOf("held-connection", "sqlite"));
        Assert.Equal(1, report.CountOf("leaked-transaction", "sqlite"));
        Assert.Equal(0, report.CountOf("leaked-connection"));

        // Held by the static that holds the shape (shown as people read it: the property, not its backing field).
        var held = Assert.Single(report.ObjectsOf("held-connection"));
        var holder = "static DbDoctor.TestApp.WideBallast." + dump.Info.GetProperty("holderProperty").GetString();
        Assert.Equal(holder, DumpReport.StringOrNull(held, "holder"));
        var path = DumpReport.Strings(held, "rootPath");
        Assert.Equal(holder, path[0]);

        // Every entry was visited: the shape alone has more live objects than it has entries.
        var live = report.Root.GetProperty("snapshot").GetProperty("liveObjects").GetInt64();
        Assert.True(live >= dump.Info.GetProperty("ballastObjects").GetInt64(), $"{live} live objects, fewer than the {shape}'s own");
        if (shape == "linked-list")
        {
            // Deeper than the walk keeps a path for: the root, how many links are left out, then the links nearest the connection.
            Assert.Contains(path, p => p.StartsWith('…') && p.EndsWith("more …", StringComparison.Ordinal));
            Assert.Contains(path, p => p.Contains("Link", StringComparison.Ordinal) && p.EndsWith(".Value", StringComparison.Ordinal));
        }
    }
}
