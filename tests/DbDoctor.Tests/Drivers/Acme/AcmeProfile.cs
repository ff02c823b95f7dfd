using DbDoctor.Drivers;

namespace DbDoctor.Tests.Drivers.Acme;

/// <summary>
/// A test-only driver, "Acme.Data", added the way a real one is: this folder, plus one registration line
/// (<c>DriverCatalog.Default.With(AcmeProfile.Create())</c>). Nothing else in DbDoctor knows it.
/// </summary>
internal static class AcmeProfile
{
    public const string Name = "Acme.Data";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["Acme.Data.dll"],
        Families =
        [
            new KnowledgeFamily { First = new Version(1, 0), Last = new Version(1, 4), Telemetry = new AcmeTelemetry() },
            new KnowledgeFamily { First = new Version(2, 0), Last = new Version(2, 1), Telemetry = new AcmeTelemetry() },
        ],
        ConnectionStrings = new AcmeConnectionStrings(),
        Words = new AcmeWords(),
        Errors = new AcmeErrors(),
    };

    private sealed class AcmeConnectionStrings : ConnectionStringSemantics
    {
        public override int? DefaultPort => 7777;
    }

    private sealed class AcmeWords : DriverWords
    {
        public override string ConnectionType => "AcmeConnection";
        public override string PoolExhaustionAdvice() => base.PoolExhaustionAdvice() + " Acme: raise Pool Wait.";
    }

    private sealed class AcmeErrors : ErrorClassifier
    {
        protected override IReadOnlyList<(string Marker, ErrorKind Kind)> Markers { get; } = [("ACME-42", ErrorKind.PoolTimeout)];

        public override bool OwnsExceptionType(string exceptionType) => exceptionType.StartsWith("Acme.Data.", StringComparison.Ordinal);
    }

    private sealed class AcmeTelemetry : DriverTelemetry
    {
        public override IReadOnlyList<string> Meters { get; } = ["Acme.Data"];

        public override PoolReading? ReadInstrument(string instrument, IReadOnlyDictionary<string, string> tags) =>
            instrument == "acme.pool.busy" && tags.TryGetValue("pool", out var pool) ? new PoolReading(pool, PoolMeasure.Used) : null;
    }
}
