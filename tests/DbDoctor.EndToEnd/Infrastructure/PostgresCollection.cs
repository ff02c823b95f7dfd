namespace DbDoctor.EndToEnd.Infrastructure;

/// <summary>One private PostgreSQL (DbDoctor.TestHarness's <see cref="PostgresServer"/>) for all tests of the collection, per run.</summary>
[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>;
