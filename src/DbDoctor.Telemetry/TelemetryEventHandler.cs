using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace DbDoctor.Telemetry;

/// <summary>
/// Receives the session's events on TraceEvent's processing thread and keeps the state the facts are built from.
/// A handler must never throw: an exception here kills the reader, the pipe fills, and Stop then hangs. Which events are
/// a driver's, and what they say about its pools, comes from the drivers' telemetry (<see cref="DriverTelemetry"/>).
/// </summary>
internal sealed class TelemetryEventHandler(int refreshSeconds, IReadOnlyList<DriverTelemetrySource> drivers, string clientId)
{
    public const string SharedSessionId = "SHARED";

    private readonly object _gate = new();
    private readonly PoolSeriesBuilder _pools = new(refreshSeconds);
    private readonly ExceptionDeduplicator _exceptions = new();
    private readonly Dictionary<string, double> _runtimeCounters = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _warnings = new(StringComparer.Ordinal);
    private double _metricsBatchTime;
    private int _handlerFailures;

    // Set when the facts are taken: an event the reader thread still delivers afterwards (after a drain timeout) is dropped.
    private bool _closed;

    public void Subscribe(EventPipeEventSource source, bool includeExceptions)
    {
        source.Dynamic.All += e => Guarded(() => OnDynamicEvent(e));
        if (includeExceptions)
        {
            source.Clr.ExceptionStart += e => Guarded(() => OnException(e));
        }
    }

    public TelemetryProgress Progress(TimeSpan elapsed, TimeSpan total)
    {
        lock (_gate)
        {
            var (used, max) = _pools.Fullest();
            return new TelemetryProgress
            {
                Elapsed = elapsed,
                Total = total,
                SamplesSeen = _pools.SamplesSeen,
                ExceptionEvents = _exceptions.TotalEvents,
                CurrentUsed = used,
                CurrentMax = max,
            };
        }
    }

    /// <summary>Keeps only the samples of the last <paramref name="window"/> (see <see cref="PoolSeriesBuilder.Trim"/>).</summary>
    public void Trim(TimeSpan window)
    {
        lock (_gate)
        {
            _pools.Trim(window.TotalSeconds);
            _exceptions.Trim(window.TotalSeconds);
        }
    }

    /// <summary>Takes the facts and closes the handler: later events cannot change what was reported.</summary>
    public TelemetryFacts ToFacts(TimeSpan window, bool targetExited, Exception? readerFailure)
    {
        lock (_gate)
        {
            _closed = true;
            return Build(window, targetExited, readerFailure);
        }
    }

    /// <summary>The facts so far, for a session that keeps running (<c>watch</c>): the handler stays open.</summary>
    public TelemetryFacts CurrentFacts(TimeSpan window, Exception? readerFailure)
    {
        lock (_gate)
        {
            return Build(window, targetExited: false, readerFailure);
        }
    }

    private TelemetryFacts Build(TimeSpan window, bool targetExited, Exception? readerFailure)
    {
        {
            var warnings = new List<string>();
            var pools = _pools.Build(warnings);
            warnings.AddRange(_warnings);
            if (pools.Count == 0)
            {
                warnings.Add(TelemetryFacts.NoPoolTelemetryWarning);
            }

            if (_handlerFailures > 0)
            {
                warnings.Add($"{_handlerFailures} events could not be read and were skipped.");
            }

            if (readerFailure is not null && !targetExited) // a target that exits cuts the stream mid-block: expected
            {
                warnings.Add("The event stream ended with an error: " + readerFailure.Message);
            }

            return new TelemetryFacts
            {
                WindowSeconds = Math.Round(window.TotalSeconds, 2),
                Pools = pools,
                Exceptions = _exceptions.ToGroups(),
                RuntimeCounters = new Dictionary<string, double>(_runtimeCounters),
                TargetExited = targetExited,
                Warnings = warnings,
            };
        }
    }

    private void Guarded(Action handle)
    {
        try
        {
            lock (_gate)
            {
                if (!_closed)
                {
                    handle();
                }
            }
        }
#pragma warning disable CA1031 // one malformed event must not stop the session (see class comment)
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _handlerFailures);
        }
    }

    private void OnException(ExceptionTraceData e) =>
        _exceptions.Add(e.ExceptionType, e.ExceptionMessage, e.ThreadID, e.TimeStampRelativeMSec / 1000);

    private void OnDynamicEvent(TraceEvent e)
    {
        var seconds = e.TimeStampRelativeMSec / 1000;
        if (e.EventName == "EventCounters")
        {
            OnEventCounter(e.ProviderName, EventCounterPayload.Parse(e.PayloadValue(0)), seconds);
        }
        else if (e.ProviderName == "System.Diagnostics.Metrics")
        {
            OnMetricsEvent(e, seconds);
        }
    }

    private void OnEventCounter(string provider, EventCounterValue? counter, double seconds)
    {
        if (counter is null)
        {
            return;
        }

        if (provider == "System.Runtime")
        {
            _runtimeCounters[counter.Name] = counter.Value;
            return;
        }

        if (drivers.FirstOrDefault(d => d.Telemetry.EventSources.Contains(provider)) is not { } driver)
        {
            _runtimeCounters[provider + "." + counter.Name] = counter.Value;
            return;
        }

        _pools.AddCounter(driver.Driver, driver.Telemetry, counter, seconds);
        if (driver.Telemetry.IsProcessCounter(counter.Name))
        {
            _runtimeCounters[driver.Telemetry.ProcessCounterKey(provider, counter.Name)] = counter.Value; // global, not per pool
        }
    }

    private void OnMetricsEvent(TraceEvent e, double seconds)
    {
        var name = e.EventName;
        if (name == "Collection/Start" || name == "CollectionStart")
        {
            _metricsBatchTime = seconds;
            return;
        }

        if (MetricsSessionErrors.IsError(name))
        {
            if (!MetricsSessionErrors.ConcernsUs(name, field => Payload(e, field), SharedSessionId, clientId))
            {
                return; // another tool's session complaining about its own configuration
            }

            _warnings.Add(name == "MultipleSessionsNotSupportedError"
                ? "Another tool holds the process's private metrics session; pool metrics are missing (EventCounters still used)."
                : $"The runtime's metrics listener reported {name}" + (Payload(e, "errorMessage") is string m ? ": " + m : "."));
            return;
        }

        if (Payload(e, "meterName") is not string meter || Payload(e, "instrumentName") is not string instrument
            || drivers.FirstOrDefault(d => d.Telemetry.Meters.Contains(meter)) is not { } driver)
        {
            return;
        }

        var tags = Payload(e, "tags") as string ?? "";
        switch (name)
        {
            case "UpDownCounterRateValuePublished":
            case "CounterRateValuePublished":
                _pools.AddMetric(driver.Driver, driver.Telemetry, instrument, tags, MetricTags.ParseNumber(Payload(e, "value")), null, _metricsBatchTime);
                break;
            case "GaugeValuePublished":
                _pools.AddMetric(driver.Driver, driver.Telemetry, instrument, tags, MetricTags.ParseNumber(Payload(e, "lastValue")), null, _metricsBatchTime);
                break;
            case "HistogramValuePublished":
                _pools.AddMetric(driver.Driver, driver.Telemetry, instrument, tags, null, MetricTags.ParseNumber(Payload(e, "count")), _metricsBatchTime);
                break;
        }
    }

    private static object? Payload(TraceEvent e, string field) =>
        Array.IndexOf(e.PayloadNames, field) is var i and >= 0 ? e.PayloadValue(i) : null;
}

/// <summary>A driver's telemetry names for the version family picked for the target.</summary>
internal sealed record DriverTelemetrySource(string Driver, DriverTelemetry Telemetry);
