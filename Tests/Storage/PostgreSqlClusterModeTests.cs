using System.Net;
using System.Net.Sockets;
using Esrs.Events;
using Esrs.Silo.Hosting;
using Esrs.Tests.Support;
using Esrs.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Esrs.Tests.Storage;

/// <summary>Cluster mode on a real PostgreSQL server: our schema, two real silo hosts joined through the membership table, reminders.</summary>
public sealed class PostgreSqlClusterModeTests
{
    [Fact]
    public async Task SchemaInstallIsIdempotentAndHoldsEveryProviderQuery()
    {
        var options = new EsrsSiloOptions { Mode = SiloMode.Cluster, PostgreSqlConnectionString = TestServices.PostgreSql };
        var installer = new SchemaInstaller(options, NullLogger<SchemaInstaller>.Instance);

        await installer.InstallAsync(CancellationToken.None);
        await installer.InstallAsync(CancellationToken.None);

        await using var connection = new NpgsqlConnection(TestServices.PostgreSql);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Superset(
            new HashSet<string>
            {
                "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
                "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey",
                "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey",
                "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "UpsertReminderRowKey",
                "DeleteReminderRowKey", "DeleteReminderRowsKey",
            },
            keys.ToHashSet());
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task TwoSilosFormAClusterThroughPostgreSqlAndServeGrainsAndReminders()
    {
        var clusterId = "esrs-it-" + Guid.NewGuid().ToString("N")[..12];
        var gateways = new List<int>();
        var silos = new List<IHost>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var (siloPort, gatewayPort) = (FreePort(), FreePort());
                gateways.Add(gatewayPort);
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
                builder.Logging.ClearProviders();
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Esrs:Silo:Mode"] = "Cluster",
                    ["Esrs:Silo:PostgreSqlConnectionString"] = TestServices.PostgreSql,
                    ["Esrs:Silo:ClusterId"] = clusterId,
                    ["Esrs:Silo:ServiceId"] = clusterId,
                    ["Esrs:Silo:SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Esrs:Silo:GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    // Two silos in one process: no Prometheus listener (both would want port 9464).
                    ["Esrs:Silo:MetricsPort"] = "0",
                    ["Esrs:Tagger:Enabled"] = "false",
                });
                builder.AddEsrsSilo();
                var host = builder.Build();
                await host.StartAsync();
                silos.Add(host);
            }

            var clientBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
            clientBuilder.Logging.ClearProviders();
            clientBuilder.UseOrleansClient(client => client
                .Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId))
                .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", TestServices.PostgreSql)));
            using var clientHost = clientBuilder.Build();
            await clientHost.StartAsync();
            var grains = clientHost.Services.GetRequiredService<IClusterClient>();

            var users = Enumerable.Range(0, 20).Select(i => $"pg-user-{clusterId}-{i}").ToList();
            foreach (var user in users)
            {
                var result = await grains.GetGrain<IUserGrain>(user).IngestAsync([TestEvents.View(user)]);
                Assert.Equal(OutcomeKind.Accepted, result.Outcomes.Single().Kind);
            }

            var reminders = grains.GetGrain<IReminderProbeGrain>(clusterId);
            await reminders.RegisterAsync("a");
            Assert.Equal(["a", "b"], await reminders.RegisterAsync("b"));
            Assert.Equal(["b"], await reminders.UnregisterAsync("a"));

            Assert.Equal(2, await ScalarAsync("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @id AND Status = 3", clusterId));
            // User grains keep their state in EsrsGrainState (group commit), keyed by the exact user id.
            Assert.Equal(20, await ScalarAsync("SELECT count(*) FROM EsrsGrainState WHERE ServiceId = @id AND GrainType = 'user/user' AND GrainKey LIKE 'pg-user-%'", clusterId));
            Assert.Equal(1, await ScalarAsync("SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @id", clusterId));
            // What each call applied is logged under its user, with the state write (one row per call and user).
            Assert.Equal(20, await ScalarAsync("SELECT count(*) FROM EsrsUserEventLog WHERE ServiceId = @id AND UserKey LIKE 'pg-user-%'", clusterId));

            // Two users made one person: the second forwards, the first rebuilds from both logs read back from PostgreSQL.
            await grains.GetGrain<IUserMergeGrain>(users[2]).JoinAsync(users[1]);
            var merge = await grains.GetGrain<IUserMergeGrain>(users[1]).RebuildAsync([users[2], users[1]]);
            Assert.Equal((true, 2L, 0L), (merge.Rebuilt, merge.Applied, merge.MergedDuplicates));
            var person = await grains.GetGrain<IUserGrain>(users[2]).GetProfileAsync();
            Assert.Equal((users[1], 2L), (person.UserId, person.Counts[EventType.View]));

            // Erasing one user deletes its row (whose key is the user id) on PostgreSQL too; the others stay.
            var erased = await grains.GetGrain<IUserGrain>(users[0]).EraseAsync();
            Assert.True(erased.HadState);
            Assert.Equal(1, erased.EventsApplied);
            Assert.False(erased.Scrubbed);
            Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM EsrsGrainState WHERE ServiceId = @id AND GrainKey = '{users[0]}'", clusterId));
            Assert.Equal(0, await ScalarAsync($"SELECT count(*) FROM EsrsUserEventLog WHERE ServiceId = @id AND UserKey = '{users[0]}'", clusterId));
            Assert.Equal(19, await ScalarAsync("SELECT count(*) FROM EsrsGrainState WHERE ServiceId = @id AND GrainType = 'user/user' AND GrainKey LIKE 'pg-user-%'", clusterId));
            await clientHost.StopAsync();
        }
        finally
        {
            foreach (var silo in Enumerable.Reverse(silos))
            {
                await silo.StopAsync();
                silo.Dispose();
            }
        }
    }

    private static async Task<long> ScalarAsync(string sql, string id)
    {
        await using var connection = new NpgsqlConnection(TestServices.PostgreSql);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
