using DbDoctor.Telemetry;

namespace DbDoctor.Tests.Telemetry;

public class MetricTagsTests
{
    [Fact]
    public void Pool_name_that_is_a_whole_connection_string_stays_in_one_tag()
    {
        var tags = MetricTags.Parse(
            "db.client.connection.pool.name=Host=127.0.0.1;Port=55433;Username=postgres;Maximum Pool Size=10;Timeout=2," +
            "db.client.connection.state=used");

        Assert.Equal(2, tags.Count);
        Assert.Equal("Host=127.0.0.1;Port=55433;Username=postgres;Maximum Pool Size=10;Timeout=2", tags["db.client.connection.pool.name"]);
        Assert.Equal("used", tags["db.client.connection.state"]);
    }

    [Fact]
    public void Comma_inside_a_multi_host_value_does_not_start_a_new_tag()
    {
        var tags = MetricTags.Parse(
            "db.client.connection.pool.name=Host=db1,db2;Port=5432,db.system.name=postgresql,server.port=5432");

        Assert.Equal("Host=db1,db2;Port=5432", tags["db.client.connection.pool.name"]);
        Assert.Equal("postgresql", tags["db.system.name"]);
        Assert.Equal("5432", tags["server.port"]);
        Assert.Equal(3, tags.Count);
    }

    [Fact]
    public void Comma_before_a_connection_string_keyword_with_spaces_is_not_a_tag_boundary()
    {
        // "Application Name=x" has a space in its key: no metric tag key looks like that.
        var tags = MetricTags.Parse("db.client.connection.pool.name=Host=a,Application Name=x;Port=1");

        Assert.Single(tags);
        Assert.Equal("Host=a,Application Name=x;Port=1", tags["db.client.connection.pool.name"]);
    }

    [Fact]
    public void Empty_or_missing_tags_give_an_empty_map()
    {
        Assert.Empty(MetricTags.Parse(""));
        Assert.Empty(MetricTags.Parse(null));
    }

    [Theory]
    [InlineData("10", 10.0)]
    [InlineData("0.0061419", 0.0061419)]
    [InlineData("-1", -1.0)]
    [InlineData("1E3", 1000.0)]
    public void Numbers_are_parsed_invariantly(string text, double expected) =>
        Assert.Equal(expected, MetricTags.ParseNumber(text));

    [Fact]
    public void Empty_rate_means_no_value()
    {
        // Observable instruments publish "rate=" (empty) on their first interval.
        Assert.Null(MetricTags.ParseNumber(""));
        Assert.Null(MetricTags.ParseNumber(null));
        Assert.Equal(3.0, MetricTags.ParseNumber(3));
    }
}
