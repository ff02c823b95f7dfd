using DbDoctor.Model;
using DbDoctor.Model.Facts;
using Microsoft.Diagnostics.Runtime;

namespace DbDoctor.Drivers;

/// <summary>
/// Connection strings MySqlConnector opened with Pooling=false. Such a connection has no pool object: ConnectionPool.GetPool
/// records the string in the static <c>s_pools</c> under a null pool (so the next Open skips parsing it) and the session
/// dies with the connection. That entry is all the heap keeps of an unpooled service between two queries, and it names
/// the endpoint whose TIME-WAIT sockets show the churn.
/// </summary>
internal static class MySqlConnectorUnpooledStrings
{
    private const int MaxObjects = 100_000;

    public static IEnumerable<PoolFact> Read(ClrObject pools, FactReader reader, string driver, string registryLabel)
    {
        foreach (var (node, connectionString) in NullEntries(pools, reader))
        {
            var redacted = ConnectionStrings.Redact(connectionString);
            var endpoint = ConnectionStrings.EndpointOf(connectionString);
            yield return new PoolFact
            {
                Driver = driver,
                Address = node,
                TypeName = "MySqlConnector.Core.ConnectionPool.s_pools entry (Pooling=false: no pool object)",
                Name = redacted,
                ConnectionString = redacted,
                DriverManaged = true,
                Pooling = false,
                Host = endpoint?.Host,
                Port = endpoint?.Port ?? 3306,
                Database = ConnectionStrings.GetValue(connectionString, "Database", "Initial Catalog"),
                RetainedBy = [registryLabel],
            };
        }
    }

    /// <summary>
    /// The dictionary's nodes (ConcurrentDictionary's tables, bucket array, node chains) whose value is null, with their
    /// key. The walk stays inside the dictionary: it never enters a pool or a string.
    /// </summary>
    private static List<(ulong Node, string Key)> NullEntries(ClrObject dictionary, FactReader reader)
    {
        var entries = new List<(ulong, string)>();
        if (dictionary.IsNull)
        {
            return entries;
        }

        var heap = reader.Runtime.Heap;
        var visited = new HashSet<ulong>();
        var stack = new Stack<ulong>();
        stack.Push(dictionary.Address);
        while (stack.Count > 0 && visited.Count < MaxObjects)
        {
            var address = stack.Pop();
            if (!visited.Add(address) || heap.GetObjectType(address) is not { } type || type.IsString || !type.ContainsPointers)
            {
                continue;
            }

            var name = type.Name ?? "";
            if (name.StartsWith("MySqlConnector.", StringComparison.Ordinal))
            {
                continue; // a pool: not part of the dictionary
            }

            var obj = heap.GetObject(address, type);
            // "System.Collections.Concurrent.ConcurrentDictionary<System.String, MySqlConnector.Core.ConnectionPool>+Node"
            if (name.StartsWith("System.Collections.Concurrent.ConcurrentDictionary", StringComparison.Ordinal) && name.EndsWith("+Node", StringComparison.Ordinal))
            {
                var value = reader.ReadOptionalObject(obj, "_value");
                var key = reader.ReadOptionalObject(obj, "_key");
                if (value.IsNull && !key.IsNull && key.Type?.IsString == true && key.AsString(8192) is { } text)
                {
                    entries.Add((address, text));
                }
            }

            foreach (var child in obj.EnumerateReferenceAddresses(carefully: true, considerDependantHandles: false))
            {
                stack.Push(child);
            }
        }

        return entries;
    }
}
