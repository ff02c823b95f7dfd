using System.Text.Json;
using DbDoctor.EndToEnd.Infrastructure;

namespace DbDoctor.EndToEnd.Dump;

/// <summary>
/// <c>dbdoctor dump</c> on a heap dump of an app using Acme.Data, an in-memory ADO.NET provider DbDoctor has no knowledge
/// file for (testapps/DbDoctor.TestApp.FakeProvider): the generic fallback counts its objects by kind, held or orphaned,
/// treats the provider's own statics as the driver's, and skips garbage. No server: runs beside the PostgreSQL tests.
/// </summary>
[Collection("generic-dumps")]
public sealed class GenericDumpTests
{
    private const string Driver = "Acme.Data";
    private const string Scenario = "static DbDoctor.TestApp.Scenarios.GenericLeakScenario.";

    [Fact]
    public async Task Unknown_driver_objects_are_counted_per_kind_held_or_orphaned()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("generic-leak"));

        report.AssertMatchesHandshake();
        var finding = Assert.Single(report.FindingsOf("unknown-driver-objects"));
        Assert.Equal(Driver, finding.GetProperty("driver").GetString());
        Assert.Equal("info", DumpReport.Severity(finding));

        var info = report.Dump.Info;
        var objects = finding.GetProperty("objects").EnumerateArray().ToList();
        foreach (var (kind, infoName) in new[] { ("connection", "connections"), ("reader", "readers"), ("transaction", "transactions"), ("data-source", "dataSources") })
        {
            var held = info.GetProperty(infoName).GetProperty("held").GetInt32();
            var orphaned = info.GetProperty(infoName).GetProperty("orphaned").GetInt32();
            Assert.True(held == objects.Count(o => State(o) == $"{kind}, held"), $"{kind} held, expected {held}: {finding}");
            Assert.True(orphaned == objects.Count(o => State(o) == $"{kind}, orphaned"), $"{kind} orphaned, expected {orphaned}: {finding}");
        }

        // Exact, from the scenario's code: 3 dropped + 2 held connections, a reader, a transaction, a data source. The 4
        // garbage connections (and every command) are not among them.
        Assert.Equal(8, objects.Count);
        Assert.Equal(8, finding.GetProperty("count").GetInt32());
        Assert.Equal(4, info.GetProperty("garbageConnections").GetInt32());
        Assert.Equal(4, info.GetProperty("garbageStillOnHeap").GetInt32());
        Assert.Equal(5, objects.Count(o => State(o).StartsWith("connection,", StringComparison.Ordinal)));
        Assert.All(objects, o => Assert.StartsWith("Acme.Data.Acme", DumpReport.StringOrNull(o, "type")));
        Assert.Contains(DumpReport.Strings(finding, "evidence"), e => e == "5 connections: 2 held by application code, 3 orphaned");
    }

    [Fact]
    public async Task Held_objects_are_named_after_the_application_static_that_holds_them()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("generic-leak"));
        var objects = report.ObjectsOf("unknown-driver-objects", Driver).ToList();

        Assert.Equal(
            [Scenario + "HeldConnections", Scenario + "HeldConnections"],
            objects.Where(o => State(o) == "connection, held").Select(o => DumpReport.StringOrNull(o, "holder")));
        Assert.Equal(Scenario + "_heldReader", DumpReport.StringOrNull(Assert.Single(objects, o => State(o) == "reader, held"), "holder"));
        Assert.Equal(Scenario + "_heldTransaction", DumpReport.StringOrNull(Assert.Single(objects, o => State(o) == "transaction, held"), "holder"));
        Assert.Equal(Scenario + "_source", DumpReport.StringOrNull(Assert.Single(objects, o => State(o) == "data-source, held"), "holder"));

        var heldPath = DumpReport.Strings(objects.First(o => State(o) == "connection, held"), "rootPath");
        Assert.Equal(Scenario + "HeldConnections", heldPath[0]);
        Assert.Equal("Acme.Data.AcmeConnection", heldPath[^1]);
    }

    [Fact]
    public async Task Orphaned_connections_are_kept_by_the_providers_own_static_not_by_the_application()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("generic-leak"));
        var finding = Assert.Single(report.FindingsOf("unknown-driver-objects", Driver));
        var orphans = finding.GetProperty("objects").EnumerateArray().Where(o => State(o) == "connection, orphaned").ToList();

        Assert.Equal(3, orphans.Count);
        Assert.All(orphans, o => Assert.Null(DumpReport.StringOrNull(o, "holder")));
        Assert.All(orphans, o => Assert.Equal(["static Acme.Data.AcmePool.Open", "Acme.Data.AcmeConnection"], DumpReport.Strings(o, "rootPath")));
        Assert.Contains(DumpReport.Strings(finding, "evidence"), e => e == "Orphaned, kept alive only by the driver: 3 static Acme.Data.AcmePool.Open");

        // Nothing of the application's is mistaken for the driver, nor the driver's static for the application's.
        Assert.DoesNotContain(report.Findings, f => DumpReport.Strings(f, "evidence").Any(e => e.Contains("Held by:", StringComparison.Ordinal) && e.Contains("AcmePool", StringComparison.Ordinal)));
        Assert.Equal(0, report.CountOf("leaked-connection"));
    }

    [Fact]
    public async Task The_unknown_driver_is_listed_with_its_assembly_version()
    {
        var report = await DumpReport.OfAsync(await DumpCache.GetAsync("generic-leak"));

        var drivers = report.Root.GetProperty("drivers").EnumerateArray().ToList();
        var acme = Assert.Single(drivers, d => DumpReport.StringOrNull(d, "name") == Driver);
        Assert.False(string.IsNullOrEmpty(DumpReport.StringOrNull(acme, "version")), acme.ToString());
    }

    private static string State(JsonElement finding) => DumpReport.StringOrNull(finding, "state") ?? "";
}

[CollectionDefinition("generic-dumps")]
public sealed class GenericDumpCollection;
