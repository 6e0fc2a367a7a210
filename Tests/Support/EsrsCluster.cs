using Esrs.Hosting;
using Esrs.Silo.Hosting;
using Orleans.TestingHost;

namespace Esrs.Tests.Support;

/// <summary>Builds in-process Orleans test clusters that run Esrs grains on the project's real storage wiring.</summary>
internal static class EsrsCluster
{
    /// <summary>Starts a cluster on <paramref name="storage"/>; the same service id and storage after a restart see the same state.</summary>
    /// <param name="storage">Storage of every silo.</param>
    /// <param name="serviceId">Orleans service id (the same after a restart).</param>
    /// <param name="configure">Options of the user grains (tagging is off unless this turns it on).</param>
    /// <param name="silos">Silo count.</param>
    /// <param name="silo">More configuration per silo (by its name, <c>Silo_0</c>, <c>Silo_1</c>...), such as a tagger pool.</param>
    public static async Task<InProcessTestCluster> StartAsync(
        EsrsSiloOptions storage, string serviceId, Action<EsrsUserOptionsBuilder>? configure = null, short silos = 1, Action<string, ISiloBuilder>? silo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.Options.ConfigureFileLogging = false;
        // A 2-core CI machine running several test classes at once can keep one SQLite write waiting well past
        // Orleans' default 30 s; a slow machine is not what these tests are about.
        builder.ConfigureSilo((_, silo) => silo.Configure<Orleans.Configuration.SiloMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(2)));
        builder.ConfigureClient(client => client.Configure<Orleans.Configuration.ClientMessagingOptions>(m => m.ResponseTimeout = TimeSpan.FromMinutes(2)));
        builder.ConfigureSilo((options, siloBuilder) =>
        {
            siloBuilder.AddEsrsStorage(storage);
            // No tagger pool in these clusters: tests that want one add it (TaggerPoolClusterTests).
            siloBuilder.Services.AddEsrsUsers(o =>
            {
                o.Tagger.Configure(t => t.Enabled = false);
                configure?.Invoke(o);
            });
            silo?.Invoke(options.SiloName, siloBuilder);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static EsrsSiloOptions Sqlite(string directory) => new() { Mode = SiloMode.Embedded, DataDirectory = directory };

    public static EsrsSiloOptions PostgreSql(string connectionString) => new() { Mode = SiloMode.Cluster, PostgreSqlConnectionString = connectionString };
}
