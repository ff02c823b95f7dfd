namespace DbDoctor.TestApp;

/// <summary>
/// Ballast of one shape that stresses a heap walker's memory rather than its object count (<c>--ballast-shape</c>, with
/// <c>--ballast N</c> as the number of entries): one <c>List&lt;object&gt;</c> of N entries (a big cache: one array of N
/// references), one <c>Dictionary&lt;string, object&gt;</c> of N entries (an array of N structs, each with two references),
/// or one singly linked list N nodes deep. Like <see cref="Ballast"/> it touches no database, so it changes nothing in
/// dbdoctor's findings, unless a scenario puts an object at its far end (<see cref="HoldAtFarEnd"/>).
/// </summary>
public static class WideBallast
{
    public const string Customers = "customers";
    public static readonly string[] Shapes = [Customers, "list", "dictionary", "linked-list"];

    public static List<object>? Entries { get; private set; }

    public static Dictionary<string, object>? Index { get; private set; }

    /// <summary>The chain's head: the only way to its nodes (no static keeps its tail, or the walk would not need to go deep).</summary>
    public static Link? Chain { get; private set; }

    /// <summary>The shape asked for on the command line, or null for the default (customers).</summary>
    public static string? ShapeOf(AppOptions options)
    {
        var shape = options.GetString("ballast-shape") ?? Customers;
        return Shapes.Contains(shape)
            ? (shape == Customers ? null : shape)
            : throw new TestAppUsageException($"--ballast-shape must be one of {string.Join(", ", Shapes)}, got '{shape}'");
    }

    /// <summary>Allocates <paramref name="entries"/> entries of the shape; returns the objects allocated.</summary>
    public static long Allocate(string shape, int entries)
    {
        switch (shape)
        {
            case "list":
                // Capacity for one more, so the far end never makes the list grow into a second array.
                Entries = new List<object>(entries + 1);
                for (var i = 0; i < entries; i++)
                {
                    Entries.Add(new Item(i));
                }

                return 2L + entries;
            case "dictionary":
                Index = new Dictionary<string, object>(entries + 1, StringComparer.Ordinal);
                for (var i = 0; i < entries; i++)
                {
                    Index.Add("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), new Item(i));
                }

                return 3L + (2L * entries);
            default:
                var tail = Chain = new Link(0);
                for (var i = 1; i < entries; i++)
                {
                    tail = tail.Next = new Link(i);
                }

                return entries;
        }
    }

    /// <summary>Puts <paramref name="value"/> where a depth-first walk from the application's static reaches it last.</summary>
    public static void HoldAtFarEnd(object value)
    {
        if (Entries is not null)
        {
            Entries.Add(value);
        }
        else if (Index is not null)
        {
            Index.Add("far-end", value);
        }
        else if (Chain is { } link)
        {
            while (link.Next is not null)
            {
                link = link.Next;
            }

            link.Value = value;
        }
        else
        {
            throw new TestAppUsageException("this scenario needs --ballast-shape list|dictionary|linked-list and --ballast N");
        }
    }

    /// <summary>The static property that holds the shape.</summary>
    public static string HolderProperty => Entries is not null ? nameof(Entries) : Index is not null ? nameof(Index) : nameof(Chain);

    public sealed record Item(long Id);

    /// <summary>A node of the deep chain: the next node first, so a depth-first walk goes all the way down.</summary>
    public sealed class Link(long id)
    {
        public Link? Next { get; set; }

        public object? Value { get; set; }

        public long Id { get; } = id;
    }
}
