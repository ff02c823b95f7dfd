namespace DbDoctor.Telemetry;

/// <summary>
/// The runtime's metrics listener (System.Diagnostics.Metrics EventSource) broadcasts its errors to every session, so
/// dbdoctor hears other tools' complaints too. Each error names whose it is in its own payload field:
/// <c>MultipleSessionsNotSupportedError(runningSessionId)</c> names the session that is ALREADY running (the one that
/// blocks the newcomer), <c>MultipleSessionsConfiguredIncorrectlyError(clientId, ...)</c> names the client whose
/// arguments clash, and the per-session errors (<c>Error</c>, <c>TimeSeriesLimitReached</c>, <c>HistogramLimitReached</c>,
/// <c>ObservableInstrumentCallbackError</c>) carry <c>sessionId</c>.
/// </summary>
public static class MetricsSessionErrors
{
    public static bool IsError(string eventName) =>
        eventName.Contains("Error", StringComparison.Ordinal) || eventName.EndsWith("LimitReached", StringComparison.Ordinal);

    /// <summary>True when the error concerns dbdoctor's own session (shared session id, our client id).</summary>
    public static bool ConcernsUs(string eventName, Func<string, object?> payload, string sharedSessionId, string clientId)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return eventName switch
        {
            // Our session is the shared one: if it is the one already running, the refused newcomer is another tool.
            "MultipleSessionsNotSupportedError" => payload("runningSessionId") is not string running || running != sharedSessionId,
            "MultipleSessionsConfiguredIncorrectlyError" => payload("clientId") is not string client || client == clientId,
            _ => payload("sessionId") is not string session || session == sharedSessionId,
        };
    }
}
