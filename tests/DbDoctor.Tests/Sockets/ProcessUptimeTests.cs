using DbDoctor.Telemetry.Sockets;

namespace DbDoctor.Tests.Sockets;

public sealed class ProcessUptimeTests
{
    // Captured from /proc/self/stat of `cat` on the build machine; /proc/uptime read 1192.37 at the time.
    private const string CatStat = "4300 (cat) R 4217 4217 5084 0 -1 4194304 98 0 0 0 0 0 0 0 20 0 1 0 119237 3133440 407 18446744073709551615 93906836275200 93906836295081 140724488477264 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 93906836311088 93906836312704 93907421216768 140724488485339 140724488485359 140724488485359 140724488486891 0";

    [Fact]
    public void Reads_the_start_time_after_the_command_name()
    {
        Assert.Equal(10.0, ProcessUptime.FromProc(CatStat, "1202.37 1559.41")!.Value, 3);
    }

    [Fact]
    public void A_command_name_with_spaces_and_parentheses_does_not_shift_the_fields()
    {
        var stat = CatStat.Replace("(cat)", "(my (odd) app)", StringComparison.Ordinal);

        Assert.Equal(10.0, ProcessUptime.FromProc(stat, "1202.37 1559.41")!.Value, 3);
    }

    [Fact]
    public void Malformed_input_gives_no_uptime()
    {
        Assert.Null(ProcessUptime.FromProc("4300 cat R", "1202.37 1559.41"));
        Assert.Null(ProcessUptime.FromProc(CatStat, ""));
    }

    [Fact]
    public void This_test_process_has_been_running_for_a_plausible_time()
    {
        var seconds = ProcessUptime.Seconds(Environment.ProcessId);

        Assert.NotNull(seconds);
        Assert.InRange(seconds.Value, 0, 3600);
    }
}
