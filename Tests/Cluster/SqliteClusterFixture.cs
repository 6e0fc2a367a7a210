using Esrs.Tests.Support;
using Orleans.TestingHost;

namespace Esrs.Tests.Cluster;

/// <summary>One single-silo cluster on a throwaway SQLite database, shared by the tests that need no restart.</summary>
public sealed class SqliteClusterFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync() =>
        Cluster = await EsrsCluster.StartAsync(EsrsCluster.Sqlite(_directory.Path), "esrs-sqlite-" + Guid.NewGuid().ToString("N"));

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _directory.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class SqliteClusterCollection : ICollectionFixture<SqliteClusterFixture>
{
    public const string Name = "sqlite-cluster";
}
