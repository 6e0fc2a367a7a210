using System.Collections.Concurrent;
using System.Diagnostics;
using Esrs.Client.Load;
using Esrs.Events;
using Esrs.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Esrs.Bench.Baselines;

/// <summary>Where an in-process grid keeps user state for a baseline run.</summary>
internal enum GridStorage
{
    /// <summary>Nothing durable: state objects in a dictionary (the ceiling of the grain path).</summary>
    Volatile,

    /// <summary>The embedded default: SQLite with group commit.</summary>
    SqliteGroupCommit,

    /// <summary>SQLite through Orleans' ADO.NET provider, one transaction per grain write (the design before group commit).</summary>
    SqlitePerWrite,

    /// <summary>PostgreSQL with group commit (cluster mode's storage, one silo).</summary>
    PostgreSqlGroupCommit,
}

/// <summary>
/// One silo in this process, fed as the gateway feeds it: requests of a few events, split per user, through the gateway's
/// own <see cref="Client.Gateway.UserIngestCoalescer"/> (one call in flight per user), many requests in flight. Events per second, the tagger and quality monitors off (they have their own benches).
/// </summary>
internal static class InProcessGrid
{
    public static async Task<double> RunAsync(GridStorage storage, IReadOnlyList<LoadEvent> warmup, IReadOnlyList<LoadEvent> events, int batch, int concurrency, string? postgres)
    {
        var directory = Path.Combine(Path.GetTempPath(), "esrs-baselines-" + Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
        builder.Logging.ClearProviders();
        builder.Configuration["Esrs:Tagger:Enabled"] = "false";
        builder.Configuration["Esrs:Quality:Enabled"] = "false";
        builder.Configuration["Esrs:Silo:MetricsPort"] = "0";
        builder.AddEsrsSilo(o =>
        {
            (o.DataDirectory, o.SiloPort, o.GatewayPort) = (directory, 21113, 31003);
            o.GroupCommit = storage != GridStorage.SqlitePerWrite;
            if (storage == GridStorage.PostgreSqlGroupCommit)
            {
                o.Mode = SiloMode.Cluster;
                o.PostgreSqlConnectionString = postgres ?? throw new ArgumentNullException(nameof(postgres));
                o.ServiceId = "esrs-baselines-" + Guid.NewGuid().ToString("N")[..8];
                o.ClusterId = o.ServiceId;
            }
        });
        if (storage == GridStorage.Volatile)
        {
            // Registered last, so the user grains resolve it instead of the durable storage.
            builder.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Users, new VolatileGrainStorage());
        }

        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await FeedAsync(grains, warmup, batch, concurrency);
            var committer = host.Services.GetService<Silo.Storage.GroupCommitter>();
            var (commits0, writes0) = committer?.Totals ?? default;
            var time0 = committer?.CommitTime ?? TimeSpan.Zero;
            var bytes0 = committer?.Bytes ?? 0;
            var (allocated0, paused0, gen2s0) = (GC.GetTotalAllocatedBytes(), GC.GetTotalPauseDuration(), GC.CollectionCount(2));
            var clock = Stopwatch.StartNew();
            await FeedAsync(grains, events, batch, concurrency);
            var rate = events.Count / clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"esrs:   {storage}: {(GC.GetTotalAllocatedBytes() - allocated0) / (double)events.Count / 1024:0.0} KB allocated an event, {(GC.GetTotalPauseDuration() - paused0) / clock.Elapsed:P0} of the time paused for GC ({GC.CollectionCount(2) - gen2s0} gen-2 collections)"));
            if (committer is not null && storage != GridStorage.Volatile)
            {
                var (commits, writes) = committer.Totals;
                var n = Math.Max(1, commits - commits0);
                Console.Error.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"esrs:   {storage}: {commits - commits0:N0} group commits for {writes - writes0:N0} grain writes ({(writes - writes0) / (double)n:0.0} per commit), {(committer.CommitTime - time0).TotalMilliseconds / n:0.0} ms per commit, {(committer.Bytes - bytes0) / (double)Math.Max(1, writes - writes0) / 1024:0.0} KB a write"));
            }

            return rate;
        }
        finally
        {
            await host.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task FeedAsync(IGrainFactory grains, IReadOnlyList<LoadEvent> events, int batch, int concurrency)
    {
        var users = new Client.Gateway.UserIngestCoalescer(grains, Microsoft.Extensions.Options.Options.Create(new Client.Gateway.GatewayOptions()));
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int request;
            while ((request = Interlocked.Increment(ref next)) * batch < events.Count)
            {
                var start = request * batch;
                var groups = new Dictionary<string, List<UserEvent>>(StringComparer.Ordinal);
                for (var i = start; i < Math.Min(start + batch, events.Count); i++)
                {
                    var key = UserGrainKeys.For(events[i].Event);
                    if (!groups.TryGetValue(key, out var list))
                    {
                        groups[key] = list = [];
                    }

                    list.Add(events[i].Event);
                }

                await Task.WhenAll(groups.Select(g => users.IngestAsync(g.Key, [.. g.Value])));
            }
        })));
    }

    /// <summary>Grain state kept as objects in memory: no serialisation, nothing durable.</summary>
    private sealed class VolatileGrainStorage : IGrainStorage
    {
        private readonly ConcurrentDictionary<GrainId, (object State, long Version)> _states = new();

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (_states.TryGetValue(grainId, out var stored))
            {
                grainState.State = (T)stored.State;
                grainState.ETag = stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                grainState.RecordExists = true;
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var version = _states.AddOrUpdate(grainId, _ => (grainState.State!, 1), (_, old) => (grainState.State!, old.Version + 1)).Version;
            grainState.ETag = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            _states.TryRemove(grainId, out _);
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }
    }
}
