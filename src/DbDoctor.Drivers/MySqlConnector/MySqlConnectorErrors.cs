namespace DbDoctor.Drivers;

/// <summary>MySqlConnector's exceptions: its own types (no message markers measured yet: the generic reading applies).</summary>
internal sealed class MySqlConnectorErrors : ErrorClassifier
{
    public override bool OwnsExceptionType(string exceptionType) => exceptionType.StartsWith("MySqlConnector.", StringComparison.Ordinal);

}
