using Esrs.Hosting;
using Esrs.Silo.Hosting;
using Orleans.TestingHost;

namespace Esrs.Tests.Support;

/// <summary>Builds in-process Orleans test clusters that run Esrs grains on the project's real storage wiring.</summary>
internal static class EsrsCluster
{
    /// <summary>Starts a cluster on <paramref name="storage"/>; the same service id and storage after a restart see the same state.</summary>
    public static async Task<InProcessTestCluster> StartAsync(EsrsSiloOptions storage, string serviceId, Action<EsrsUserOptionsBuilder>? configure = null, short silos = 1)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddEsrsStorage(storage);
            silo.Services.AddEsrsUsers(configure);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static EsrsSiloOptions Sqlite(string directory) => new() { Mode = SiloMode.Embedded, DataDirectory = directory };

    public static EsrsSiloOptions PostgreSql(string connectionString) => new() { Mode = SiloMode.Cluster, PostgreSqlConnectionString = connectionString };
}
