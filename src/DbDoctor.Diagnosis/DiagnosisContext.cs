using DbDoctor.Diagnosis.Origins;
using DbDoctor.Diagnosis.Telemetry;
using DbDoctor.Drivers;
using DbDoctor.Model;
using DbDoctor.Model.Facts;

namespace DbDoctor.Diagnosis;

/// <summary>
/// The facts plus the views several rules share (pools by address, telemetry series matched to heap pools, leak
/// rates), computed once so that the rules stay small and agree with each other.
/// </summary>
public sealed class DiagnosisContext
{
    private readonly Dictionary<ulong, PoolFact> _poolsByAddress;
    private readonly Dictionary<ulong, PoolSeries> _seriesByPoolAddress;
    private readonly Dictionary<PoolSeries, IReadOnlyList<PoolFact>> _poolsBySeries;
    private readonly Dictionary<PoolSeries, LeakRate?> _leakRates;

    public DiagnosisContext(DiagnosisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Input = input;
        Options = input.Options;
        Drivers = input.Drivers;
        Heap = input.Heap;
        Telemetry = input.Telemetry;
        Pools = Heap?.Pools ?? [];
        Connections = Heap?.Connections ?? [];
        var rawSeries = Telemetry?.Pools ?? [];

        _poolsByAddress = [];
        foreach (var pool in Pools)
        {
            _poolsByAddress.TryAdd(pool.Address, pool);
        }

        var matches = PoolCorrelation.Match(Pools, rawSeries, Drivers);
        var anchored = rawSeries.ToDictionary(s => s, s => s);
        _poolsBySeries = [];
        _seriesByPoolAddress = [];
        foreach (var match in matches)
        {
            var series = SeriesAnchoring.ToHeap(match.Series, match.Pools);
            anchored[match.Series] = series;
            _poolsBySeries[series] = match.Pools;
            foreach (var pool in match.Pools)
            {
                _seriesByPoolAddress.TryAdd(pool.Address, series);
            }
        }

        Series = rawSeries.Select(s => anchored[s]).ToList();

        _leakRates = Series.ToDictionary(s => s, s => LeakRateEstimator.Estimate(s, Options));
        Origins = OriginAttribution.For(Telemetry?.Trace, Drivers);
    }

    public DiagnosisInput Input { get; }
    public DiagnosisOptions Options { get; }
    public DriverCatalog Drivers { get; }
    public HeapFacts? Heap { get; }
    public TelemetryFacts? Telemetry { get; }
    public IReadOnlyList<PoolFact> Pools { get; }
    public IReadOnlyList<ConnectionFact> Connections { get; }
    public IReadOnlyList<PoolSeries> Series { get; }

    /// <summary>The traced operations joined to connections (<c>attach --trace</c>); null when not traced.</summary>
    public OriginAttribution? Origins { get; }

    /// <summary>The profile of the driver a fact names (the generic ADO.NET profile for an unknown driver).</summary>
    public DriverProfile ProfileOf(string? driver) => Drivers.Resolve(driver);

    public PoolFact? PoolOf(ConnectionFact connection) =>
        connection.PoolAddress is { } address && _poolsByAddress.TryGetValue(address, out var pool) ? pool : null;

    /// <summary>Connections checked out of the pool at this address.</summary>
    public IEnumerable<ConnectionFact> CheckedOutOf(ulong poolAddress) =>
        Connections.Where(c => c.CheckedOut && c.PoolAddress == poolAddress);

    public PoolSeries? SeriesOf(PoolFact pool) => _seriesByPoolAddress.GetValueOrDefault(pool.Address);

    /// <summary>Heap pools the series was matched to (several when data sources share one pool name).</summary>
    public IReadOnlyList<PoolFact> PoolsOf(PoolSeries series) => _poolsBySeries.GetValueOrDefault(series) ?? [];

    public LeakRate? LeakRateOf(PoolSeries series) => _leakRates.GetValueOrDefault(series);

    /// <summary>The pool's name as it may be shown: secrets removed even if a fact slipped one in.</summary>
    public static string DisplayName(PoolFact? pool) => pool is null ? "(no pool)" : ConnectionStrings.Redact(pool.Name);

    public static string DisplayName(PoolSeries series) => ConnectionStrings.Redact(series.Name);

    /// <summary>
    /// "busy 7 from the counters = 6 orphaned + 1 held in the heap": ties what the live counters saw to what the heap
    /// explains. Null when the series has no used count or matched no heap pool.
    /// </summary>
    public string? CountersVersusHeap(PoolSeries series)
    {
        var lastUsed = series.Samples.LastOrDefault(s => s.Used is not null)?.Used;
        var pools = PoolsOf(series);
        if (lastUsed is null || pools.Count == 0)
        {
            return null;
        }

        var checkedOut = pools.SelectMany(p => CheckedOutOf(p.Address)).ToList();
        var orphaned = checkedOut.Count(c => !c.Held);
        var held = checkedOut.Count - orphaned;
        var busy = (int)Math.Round(lastUsed.Value);
        return busy == orphaned + held
            ? $"busy {busy} from the counters = {orphaned} orphaned + {held} held in the heap"
            : $"busy {busy} from the counters at the end of the window; the heap snapshot shows {orphaned} orphaned + {held} held (taken at a different instant)";
    }
}
