using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class ExceptionDeduplicatorTests
{
    private const string Exhausted = "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 10) or 'Timeout' (currently 2 seconds) in your connection string.";
    private const string Npgsql = "Npgsql.NpgsqlException";
    private const string Canceled = "System.OperationCanceledException";

    /// <summary>One pool timeout as measured: the cancellation, then the same NpgsqlException thrown in 4 awaiting frames.</summary>
    private static void PoolTimeout(ExceptionDeduplicator dedup, int thread, double start)
    {
        dedup.Add(Canceled, "The operation was canceled.", thread, start);
        dedup.Add(Npgsql, Exhausted, thread, start + 0.000077);
        dedup.Add(Npgsql, Exhausted, thread, start + 0.000126);
        dedup.Add(Npgsql, Exhausted, thread, start + 0.000157);
        dedup.Add(Npgsql, Exhausted, thread, start + 0.000192);
    }

    [Fact]
    public void Async_rethrows_of_one_failure_count_once()
    {
        var dedup = new ExceptionDeduplicator();
        PoolTimeout(dedup, thread: 7, start: 1.457276);

        var npgsql = dedup.ToGroups().Single(g => g.Type == Npgsql);
        Assert.Equal(1, npgsql.Count);
        Assert.Equal(4, npgsql.Events);
        Assert.Equal(5, dedup.TotalEvents);
    }

    [Fact]
    public void Back_to_back_failures_on_one_thread_are_separated_by_their_cause()
    {
        // Measured: three timeouts fired by one timer thread within a millisecond.
        var dedup = new ExceptionDeduplicator();
        PoolTimeout(dedup, 7, 1.457276);
        PoolTimeout(dedup, 7, 1.457510);
        PoolTimeout(dedup, 7, 1.457800);

        var npgsql = dedup.ToGroups().Single(g => g.Type == Npgsql);
        Assert.Equal(3, npgsql.Count);
        Assert.Equal(12, npgsql.Events);
        Assert.Equal(3, dedup.ToGroups().Single(g => g.Type == Canceled).Count);
    }

    [Fact]
    public void Same_exception_on_two_threads_at_once_is_two_failures()
    {
        var dedup = new ExceptionDeduplicator();
        dedup.Add(Npgsql, Exhausted, 1, 2.0);
        dedup.Add(Npgsql, Exhausted, 2, 2.0);

        Assert.Equal(2, dedup.ToGroups().Single().Count);
    }

    [Fact]
    public void Repeated_throws_far_apart_on_one_thread_are_distinct()
    {
        var dedup = new ExceptionDeduplicator();
        dedup.Add("System.InvalidOperationException", "boom", 3, 1.0);
        dedup.Add("System.InvalidOperationException", "boom", 3, 1.5);
        dedup.Add("System.InvalidOperationException", "boom", 3, 2.0);

        var group = dedup.ToGroups().Single();
        Assert.Equal(3, group.Count);
        Assert.Equal(1.0, group.FirstSeen);
        Assert.Equal(2.0, group.LastSeen);
    }

    [Fact]
    public void Groups_are_split_by_message_and_ordered_by_distinct_count()
    {
        var dedup = new ExceptionDeduplicator();
        dedup.Add("System.TimeoutException", "a", 1, 1.0);
        dedup.Add("System.TimeoutException", "b", 1, 2.0);
        dedup.Add("System.TimeoutException", "b", 1, 3.0);

        var groups = dedup.ToGroups();
        Assert.Equal(["b", "a"], groups.Select(g => g.Message));
        Assert.Equal([2, 1], groups.Select(g => g.Count));
    }
}
