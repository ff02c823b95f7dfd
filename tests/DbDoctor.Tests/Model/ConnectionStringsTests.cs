using DbDoctor.Model;

namespace DbDoctor.Tests.Model;

public class ConnectionStringsTests
{
    [Theory]
    [InlineData("Host=db;Username=app;Password=s3cret", "Host=db;Username=app;Password=***")]
    [InlineData("Server=db;User Id=sa;Pwd=s3cret;Encrypt=false", "Server=db;User Id=sa;Pwd=***;Encrypt=false")]
    [InlineData("Host=db; password = s3cret ;Database=shop", "Host=db; password =***;Database=shop")]
    [InlineData("Data Source=app.db", "Data Source=app.db")]
    [InlineData("", "")]
    public void Redact_masks_secret_values_only(string input, string expected)
    {
        Assert.Equal(expected, ConnectionStrings.Redact(input));
    }

    [Fact]
    public void Redact_handles_quoted_values_containing_semicolons()
    {
        var redacted = ConnectionStrings.Redact("Host=db;Password=\"p;a=ss\";Database=shop;Application Name='a;b'");

        Assert.Equal("Host=db;Password=***;Database=shop;Application Name='a;b'", redacted);
        Assert.DoesNotContain("p;a=ss", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void GetValue_reads_keys_case_insensitively_and_unquotes()
    {
        const string cs = "host=db;DATABASE=\"shop;eu\";Port=5432";

        Assert.Equal("db", ConnectionStrings.GetValue(cs, "Host"));
        Assert.Equal("shop;eu", ConnectionStrings.GetValue(cs, "Database"));
        Assert.Null(ConnectionStrings.GetValue(cs, "Username"));
    }

    [Fact]
    public void Pairs_lists_trimmed_keys_and_values_in_order()
    {
        var pairs = ConnectionStrings.Pairs(" Host = db ;Database=shop;flag");

        Assert.Equal(["Host", "Database", "flag"], pairs.Select(p => p.Key));
        Assert.Equal(["db", "shop", null], pairs.Select(p => p.Value));
    }

    [Theory]
    [InlineData("Host=db.internal;Port=6432;Username=app", "db.internal", 6432)]
    [InlineData("Host=primary,replica;Username=app", "primary", null)]
    [InlineData("Server=tcp:sql.internal,1533;Database=x", "sql.internal", 1533)]
    [InlineData("Data Source=/tmp/app.db", "/tmp/app.db", null)]
    public void EndpointOf_names_the_first_host_and_the_port_the_string_gives(string connectionString, string host, int? port)
    {
        Assert.Equal((host, port), ConnectionStrings.EndpointOf(connectionString));
    }

    [Fact]
    public void EndpointOf_is_null_without_a_host()
    {
        Assert.Null(ConnectionStrings.EndpointOf("Username=app;Password=x"));
        Assert.Null(ConnectionStrings.EndpointOf(null));
    }
}
