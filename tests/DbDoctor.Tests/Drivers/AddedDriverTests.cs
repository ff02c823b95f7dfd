using DbDoctor.Diagnosis;
using DbDoctor.Drivers;
using DbDoctor.Model.Facts;
using DbDoctor.Model.Reports;
using DbDoctor.Telemetry;
using DbDoctor.Tests.Drivers.Acme;
using static DbDoctor.Tests.Diagnosis.SyntheticFacts;

namespace DbDoctor.Tests.Drivers;

/// <summary>A driver added as one folder and one registration line is used by the rules, telemetry and endpoints.</summary>
public class AddedDriverTests
{
    private static readonly DriverCatalog Catalog = DriverCatalog.Default.With(AcmeProfile.Create());

    private static Report Run(HeapFacts? heap, TelemetryFacts? telemetry) => Diagnoser.Diagnose(new DiagnosisInput
    {
        Target = DumpTarget,
        Heap = heap,
        Telemetry = telemetry,
        Drivers = Catalog,
    });

    [Fact]
    public void Rules_speak_the_added_drivers_words_and_read_its_errors()
    {
        var leaked = Connector(0x10, 0x99, driver: AcmeProfile.Name) with { TypeName = "Acme.Data.Internal.Session" };
        var telemetry = new TelemetryFacts
        {
            WindowSeconds = 10,
            Exceptions = [new ExceptionGroup { Type = "System.InvalidOperationException", Message = "ACME-42: no session free", Count = 3, FirstSeen = 1, LastSeen = 2 }],
        };

        var report = Run(Heap([], [leaked]), telemetry);

        Assert.Contains("AcmeConnection", Single(report, FindingKinds.LeakedConnection).Advice, StringComparison.Ordinal);
        var exhaustion = Single(report, FindingKinds.PoolExhaustion);
        Assert.Equal(AcmeProfile.Name, exhaustion.Driver);
        Assert.EndsWith("Acme: raise Pool Wait.", exhaustion.Advice, StringComparison.Ordinal);

        // Without the registration line the same facts get the generic reading: the error is nobody's pool timeout.
        var unregistered = Diagnoser.Diagnose(new DiagnosisInput { Target = DumpTarget, Heap = Heap([], [leaked]), Telemetry = telemetry });
        Assert.DoesNotContain(unregistered.Findings, f => f.Kind == FindingKinds.PoolExhaustion);
        Assert.Contains("DbConnection", Single(unregistered, FindingKinds.LeakedConnection).Advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Its_meter_maps_onto_pool_samples_and_its_port_onto_endpoints()
    {
        var profile = Catalog.Resolve(AcmeProfile.Name);
        var builder = new PoolSeriesBuilder();
        builder.AddMetric(profile.Name, profile.Telemetry, "acme.pool.busy", "pool=Host=a;Password=p", 4, null, 1);

        var series = Assert.Single(builder.Build([]));
        Assert.Equal(AcmeProfile.Name, series.Driver);
        Assert.Equal(4, Assert.Single(series.Samples).Used);
        Assert.DoesNotContain("Password=p", series.Name, StringComparison.Ordinal);
        Assert.Contains(7777, Catalog.DefaultPorts);
        Assert.Same(profile, Catalog.ByDefaultPort(7777));
    }

    [Theory]
    [InlineData("1.2.3", "1.0–1.4", null)]
    [InlineData("2.1.0", "2.0–2.1", null)]
    [InlineData("3.0.1", "2.0–2.1", "Knowledge verified for Acme.Data 1.0–2.1; target has 3.0.1, read with the knowledge of 2.0–2.1: results may be incomplete.")]
    [InlineData("0.9", "1.0–1.4", "Knowledge verified for Acme.Data 1.0–2.1; target has 0.9, read with the knowledge of 1.0–1.4: results may be incomplete.")]
    [InlineData(null, "2.0–2.1", null)]
    public void The_family_is_picked_from_the_targets_version_with_a_warning_outside_the_verified_range(string? version, string family, string? warning)
    {
        var choice = Catalog.Resolve(AcmeProfile.Name).Pick(version)!;

        Assert.Equal(family, choice.Family.Versions);
        Assert.Equal(warning, choice.Warning);
    }
}
