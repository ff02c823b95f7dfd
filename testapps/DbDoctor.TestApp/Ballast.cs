namespace DbDoctor.TestApp;

/// <summary>
/// Unrelated live data ("ballast") so a scenario's heap looks like a real service's: millions of small objects held
/// by an application static, with references between them (a heap walker must follow them, not just count them).
/// Nothing in it touches a database, so it must change nothing in dbdoctor's findings; the benchmark relies on that.
/// </summary>
public static class Ballast
{
    /// <summary>Objects per customer: Customer, Name, Address, Street, List, its Order[4], 4 x (Order + Sku).</summary>
    public const int ObjectsPerCustomer = 14;

    private const int ChunkSize = 16_384;

    /// <summary>What the application keeps: a cache of customers, in chunks (as a real cache's buckets would be).</summary>
    public static List<Customer[]> Customers { get; } = [];

    /// <summary>
    /// Reads <c>--ballast N</c> (approximate object count, 0 = none; with <c>--ballast-shape</c> other than customers the
    /// number of entries of that shape, see <see cref="WideBallast"/>) and allocates it; returns the objects allocated.
    /// </summary>
    public static long AllocateFromOptions(AppOptions options)
    {
        var requested = options.GetInt("ballast", 0, min: 0, max: 200_000_000);
        var shape = WideBallast.ShapeOf(options);
        return requested == 0 ? 0 : shape is null ? Allocate(requested) : WideBallast.Allocate(shape, requested);
    }

    public static long Allocate(long objects)
    {
        var customers = objects / ObjectsPerCustomer;
        var allocated = 0L;
        for (var first = 0L; first < customers; first += ChunkSize)
        {
            var chunk = new Customer[(int)Math.Min(ChunkSize, customers - first)];
            for (var i = 0; i < chunk.Length; i++)
            {
                chunk[i] = NewCustomer(first + i);
            }

            Customers.Add(chunk);
            allocated += 1 + (chunk.Length * (long)ObjectsPerCustomer);
        }

        return allocated;
    }

    private static Customer NewCustomer(long id)
    {
        var orders = new List<Order>(4);
        Order? previous = null;
        for (var i = 0; i < 4; i++)
        {
            previous = new Order($"SKU-{id}-{i}", i + 1, previous);
            orders.Add(previous);
        }

        return new Customer($"customer {id}", new PostalAddress($"{id} Main Street", (int)(id % 90_000)), orders);
    }

    public sealed record Customer(string Name, PostalAddress Address, List<Order> Orders);

    public sealed record PostalAddress(string Street, int PostalCode);

    /// <summary>Each order links to the previous one: chains of references, as in real object graphs.</summary>
    public sealed record Order(string Sku, int Quantity, Order? Previous);
}
