namespace DbDoctor.Drivers;

/// <summary>
/// MySqlConnector, a MySQL/MariaDB driver: every part DbDoctor knows of it lives in this folder. Its words and
/// keywords are MySqlConnector's documented ones.
/// </summary>
internal static class MySqlConnectorProfile
{
    public const string Name = "MySqlConnector";

    public static DriverProfile Create() => new()
    {
        Name = Name,
        AssemblyFileNames = ["MySqlConnector.dll"],
        Families =
        [
            new KnowledgeFamily
            {
                First = new Version(2, 4),
                Last = new Version(2, 4),
                Heap = new MySqlConnectorHeapKnowledge(MySqlConnectorHeapKnowledge.CommandTextField24),
                Telemetry = new MySqlConnectorTelemetry(),
            },
            new KnowledgeFamily
            {
                First = new Version(2, 6),
                Last = new Version(2, 6),
                Heap = new MySqlConnectorHeapKnowledge(MySqlConnectorHeapKnowledge.CommandTextField26),
                Telemetry = new MySqlConnectorTelemetry(),
            },
        ],
        ConnectionStrings = new MySqlConnectorConnectionStrings(),
        Words = new MySqlConnectorWords(),
        Errors = new MySqlConnectorErrors(),
        Server = new MySqlConnectorServerProbe(),
        Activities = new DriverActivities
        {
            // db.connection_id is the server's thread id (CONNECTION_ID()); "Open" is every MySqlConnection.Open, pooled or not.
            Source = "MySqlConnector",
            ServerPidTags = ["db.connection_id", "db.mysql.connection_id"],
            SqlTags = ["db.query.text", "db.statement"],
            OpenNames = ["Open"],
            BeginTransactionNames = ["Begin Transaction", "BeginTransaction"],
            OpenIsCheckout = true,
        },
    };
}
