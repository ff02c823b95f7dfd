using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace Acme.Data;

/// <summary>
/// Like real drivers, the provider keeps every open connection in a static registry: a connection the application drops
/// without closing stays alive through the driver's static, not through the application.
/// </summary>
internal static class AcmePool
{
    private static readonly List<AcmeConnection> Open = [];

    public static void Add(AcmeConnection connection)
    {
        lock (Open)
        {
            Open.Add(connection);
        }
    }

    public static void Remove(AcmeConnection connection)
    {
        lock (Open)
        {
            Open.Remove(connection);
        }
    }
}

/// <summary>An in-memory connection: Open only flips the state (and registers it, as a pool would).</summary>
[SuppressMessage("Design", "CA1010", Justification = "ADO.NET base class shape.")]
public sealed class AcmeConnection(string connectionString) : DbConnection
{
    private ConnectionState _state = ConnectionState.Closed;

    public AcmeConnection() : this("")
    {
    }

    [AllowNull]
    public override string ConnectionString { get; set; } = connectionString;
    public override string Database => "acme";
    public override string DataSource => "memory";
    public override string ServerVersion => "1.0";
    public override ConnectionState State => _state;

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException("Acme has one database.");

    public override void Open()
    {
        if (_state == ConnectionState.Open)
        {
            throw new InvalidOperationException("The connection is already open.");
        }

        _state = ConnectionState.Open;
        AcmePool.Add(this);
    }

    public override void Close()
    {
        if (_state == ConnectionState.Open)
        {
            _state = ConnectionState.Closed;
            AcmePool.Remove(this);
        }
    }

    public new AcmeCommand CreateCommand() => new() { Connection = this };

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel)
    {
        RequireOpen();
        return new AcmeTransaction(this, isolationLevel);
    }

    protected override DbCommand CreateDbCommand() => CreateCommand();

    internal void RequireOpen()
    {
        if (_state != ConnectionState.Open)
        {
            throw new InvalidOperationException("The connection is not open.");
        }
    }
}

public sealed class AcmeCommand : DbCommand
{
    [AllowNull]
    public override string CommandText { get; set; } = "";
    public override int CommandTimeout { get; set; } = 30;
    public override CommandType CommandType { get; set; } = CommandType.Text;
    public override bool DesignTimeVisible { get; set; }
    public override UpdateRowSource UpdatedRowSource { get; set; }
    protected override DbConnection? DbConnection { get; set; }
    protected override DbParameterCollection DbParameterCollection => throw new NotSupportedException("Acme commands take no parameters.");
    protected override DbTransaction? DbTransaction { get; set; }

    public override void Cancel()
    {
    }

    public override int ExecuteNonQuery()
    {
        OpenConnection();
        return 0;
    }

    public override object? ExecuteScalar()
    {
        OpenConnection();
        return 1;
    }

    public override void Prepare()
    {
    }

    protected override DbParameter CreateDbParameter() => throw new NotSupportedException("Acme commands take no parameters.");

    /// <summary>Yields rows 1..3 with columns id and name.</summary>
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => new AcmeDataReader(OpenConnection(), CommandText, rows: 3);

    private AcmeConnection OpenConnection()
    {
        var connection = DbConnection as AcmeConnection ?? throw new InvalidOperationException("The command has no Acme connection.");
        connection.RequireOpen();
        return connection;
    }
}

public sealed class AcmeDataReader : DbDataReader
{
    private readonly AcmeConnection _connection;
    private readonly int _rows;
    private int _row;
    private bool _closed;

    internal AcmeDataReader(AcmeConnection connection, string commandText, int rows)
    {
        _connection = connection;
        CommandText = commandText;
        _rows = rows;
    }

    public string CommandText { get; }
    public AcmeConnection Connection => _connection;
    public override int Depth => 0;
    public override int FieldCount => 2;
    public override bool HasRows => _rows > 0;
    public override bool IsClosed => _closed;
    public override int RecordsAffected => -1;
    public override object this[int ordinal] => GetValue(ordinal);
    public override object this[string name] => GetValue(GetOrdinal(name));

    public override bool Read() => !_closed && ++_row <= _rows;

    public override bool NextResult() => false;

    public override void Close() => _closed = true;

    public override string GetName(int ordinal) => ordinal == 0 ? "id" : "name";
    public override int GetOrdinal(string name) => name == "id" ? 0 : 1;
    public override string GetDataTypeName(int ordinal) => ordinal == 0 ? "integer" : "text";
    public override Type GetFieldType(int ordinal) => ordinal == 0 ? typeof(int) : typeof(string);
    public override object GetValue(int ordinal) => ordinal == 0 ? _row : $"row {_row}";
    public override int GetInt32(int ordinal) => (int)GetValue(ordinal);
    public override string GetString(int ordinal) => (string)GetValue(ordinal);
    public override bool IsDBNull(int ordinal) => false;

    public override int GetValues(object[] values)
    {
        var count = Math.Min(values.Length, FieldCount);
        for (var i = 0; i < count; i++)
        {
            values[i] = GetValue(i);
        }

        return count;
    }

    public override bool GetBoolean(int ordinal) => throw Unsupported(ordinal);
    public override byte GetByte(int ordinal) => throw Unsupported(ordinal);
    public override long GetBytes(int ordinal, long dataOffset, byte[]? buffer, int bufferOffset, int length) => throw Unsupported(ordinal);
    public override char GetChar(int ordinal) => throw Unsupported(ordinal);
    public override long GetChars(int ordinal, long dataOffset, char[]? buffer, int bufferOffset, int length) => throw Unsupported(ordinal);
    public override DateTime GetDateTime(int ordinal) => throw Unsupported(ordinal);
    public override decimal GetDecimal(int ordinal) => throw Unsupported(ordinal);
    public override double GetDouble(int ordinal) => throw Unsupported(ordinal);
    public override float GetFloat(int ordinal) => throw Unsupported(ordinal);
    public override Guid GetGuid(int ordinal) => throw Unsupported(ordinal);
    public override short GetInt16(int ordinal) => throw Unsupported(ordinal);
    public override long GetInt64(int ordinal) => throw Unsupported(ordinal);
    public override System.Collections.IEnumerator GetEnumerator() => throw new NotSupportedException("Acme readers are read with Read().");

    private static NotSupportedException Unsupported(int ordinal) => new($"Column {ordinal} is an integer or a string.");
}

public sealed class AcmeTransaction : DbTransaction
{
    private readonly AcmeConnection _connection;
    private bool _completed;

    internal AcmeTransaction(AcmeConnection connection, IsolationLevel isolationLevel)
    {
        _connection = connection;
        IsolationLevel = isolationLevel;
    }

    public override IsolationLevel IsolationLevel { get; }
    public bool IsCompleted => _completed;
    protected override DbConnection DbConnection => _connection;

    public override void Commit() => _completed = true;

    public override void Rollback() => _completed = true;
}

/// <summary>Hands out connections for one connection string; holds no connection itself.</summary>
public sealed class AcmeDataSource(string connectionString) : DbDataSource
{
    public override string ConnectionString { get; } = connectionString;

    protected override DbConnection CreateDbConnection() => new AcmeConnection(ConnectionString);
}
