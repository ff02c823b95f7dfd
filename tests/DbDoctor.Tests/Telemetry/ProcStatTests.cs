using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public sealed class ProcStatTests
{
    // Captured from /proc/self/stat of `cat` on the build machine.
    private const string CatStat = "4300 (cat) R 4217 4217 5084 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 119237 3133440 407 18446744073709551615 93906836275200 93906836295081 140724488477264 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93906836311088 93906836312704 93907421216768 140724488485339 140724488485359 140724488485359 140724488486891 0";

    [Fact]
    public void Reads_state_and_start_time()
    {
        var stat = ProcStat.Parse(CatStat);

        Assert.Equal(new ProcStat('R', 119237), stat);
    }

    [Theory]
    [InlineData("(my app)")]
    [InlineData("(my (odd) app)")]
    [InlineData("(a) Z 1 2 (b)")]
    public void A_command_name_with_spaces_and_parentheses_does_not_shift_the_fields(string name)
    {
        var stat = ProcStat.Parse(CatStat.Replace("(cat)", name, StringComparison.Ordinal));

        Assert.Equal(new ProcStat('R', 119237), stat);
    }

    [Fact]
    public void Zombie_and_stopped_states_are_recognised()
    {
        Assert.True(ProcStat.Parse(CatStat.Replace(") R ", ") Z ", StringComparison.Ordinal))!.IsZombie);
        Assert.True(ProcStat.Parse(CatStat.Replace(") R ", ") t ", StringComparison.Ordinal))!.IsStopped);
        Assert.False(ProcStat.Parse(CatStat)!.IsStopped);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4300 cat R 1 2")]
    [InlineData("4300 (cat) R 4217 4217")]
    public void Malformed_lines_give_nothing(string stat)
    {
        Assert.Null(ProcStat.Parse(stat));
    }

    [Fact]
    public void This_test_process_is_running_and_a_missing_one_is_not()
    {
        Assert.Equal(false, ProcStat.Read(Environment.ProcessId)?.IsZombie);
        Assert.Null(ProcStat.Read(int.MaxValue));
    }
}
