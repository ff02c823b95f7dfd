using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

/// <summary>Payloads shaped like the runtime's System.Diagnostics.Metrics error events (field names from MetricsEventSource).</summary>
public sealed class MetricsSessionErrorsTests
{
    private const string Shared = "SHARED";
    private const string Us = "dbdoctor-0123";

    private static Func<string, object?> Payload(params (string Name, string Value)[] fields) =>
        name => fields.FirstOrDefault(f => f.Name == name).Value;

    [Fact]
    public void Another_tools_private_session_blocking_ours_is_our_problem()
    {
        Assert.True(MetricsSessionErrors.ConcernsUs("MultipleSessionsNotSupportedError", Payload(("runningSessionId", "dotnet-counters-42")), Shared, Us));
    }

    [Fact]
    public void Another_tool_refused_because_our_shared_session_runs_is_not_our_problem()
    {
        Assert.False(MetricsSessionErrors.ConcernsUs("MultipleSessionsNotSupportedError", Payload(("runningSessionId", Shared)), Shared, Us));
    }

    [Fact]
    public void A_configuration_clash_counts_only_when_it_names_our_client()
    {
        Assert.True(MetricsSessionErrors.ConcernsUs("MultipleSessionsConfiguredIncorrectlyError", Payload(("clientId", Us), ("expectedMaxHistograms", "10")), Shared, Us));
        Assert.False(MetricsSessionErrors.ConcernsUs("MultipleSessionsConfiguredIncorrectlyError", Payload(("clientId", "dotnet-monitor-7")), Shared, Us));
    }

    [Theory]
    [InlineData("Error")]
    [InlineData("TimeSeriesLimitReached")]
    [InlineData("HistogramLimitReached")]
    [InlineData("ObservableInstrumentCallbackError")]
    public void Per_session_errors_count_only_for_the_shared_session(string name)
    {
        Assert.True(MetricsSessionErrors.IsError(name));
        Assert.True(MetricsSessionErrors.ConcernsUs(name, Payload(("sessionId", Shared), ("errorMessage", "boom")), Shared, Us));
        Assert.False(MetricsSessionErrors.ConcernsUs(name, Payload(("sessionId", "private-1"), ("errorMessage", "boom")), Shared, Us));
    }

    [Fact]
    public void Value_events_are_not_errors()
    {
        Assert.False(MetricsSessionErrors.IsError("GaugeValuePublished"));
        Assert.False(MetricsSessionErrors.IsError("CollectionStart"));
    }
}
