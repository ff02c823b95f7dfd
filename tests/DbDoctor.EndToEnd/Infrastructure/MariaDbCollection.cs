namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>One private MariaDB (DbDoctor.TestHarness's <see cref="MariaDbServer"/>) for all tests of the collection, per run.</summary>
[CollectionDefinition("mariadb")]
public sealed class MariaDbCollection : ICollectionFixture<MariaDbServer>;
