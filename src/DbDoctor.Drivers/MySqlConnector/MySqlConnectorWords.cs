namespace DbDoctor.Drivers;

/// <summary>MySqlConnector's API, as the advice names it.</summary>
internal sealed class MySqlConnectorWords : DriverWords
{
    public override string ConnectionType => "MySqlConnection";
    public override string TransactionType => "MySqlTransaction";
    public override string ReaderType => "MySqlDataReader";
    public override string CommandType => "MySqlCommand";
}
