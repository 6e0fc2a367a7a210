using System.Diagnostics;
using System.Globalization;
using Esrs.Events;
using Esrs.Silo.Hosting;
using HdrHistogram;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Bench;

/// <summary>
/// <c>./esrs bench profiles</c>: many user profiles on one silo (SQLite, group commit, in process; tagger and monitors
/// off). Phases: (1) every user gets its events: users activated per second, managed memory and working set per active
/// profile, storage bytes per profile; (2) every idle grain is collected (Orleans' forced collection) while a small hot
/// set keeps sending at a fixed rate: deactivations per second and the hot set's write latency before and during;
/// (3) a random sample of the collected users read again: reactivation (state read) latency.
/// </summary>
internal static class ProfilesAtScale
{
    /// <summary>Runs the phases, writing each table row to <paramref name="output"/> as soon as it is measured.</summary>
    public static async Task RunAsync(int users, int eventsPerUser, int concurrency, int hotUsers, int hotRate, TextWriter output, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(output);
        var directory = Path.Combine(Path.GetTempPath(), "esrs-profiles-" + Guid.NewGuid().ToString("N"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
        builder.Logging.ClearProviders();
        builder.Configuration["Esrs:Tagger:Enabled"] = "false";
        builder.Configuration["Esrs:Quality:Enabled"] = "false";
        builder.Configuration["Esrs:Silo:MetricsPort"] = "0";
        builder.AddEsrsSilo(o => (o.DataDirectory, o.SiloPort, o.GatewayPort) = (directory, 21114, 31004));
        // Nothing is collected on its own during the run: phase 2 collects on purpose, so it can be measured.
        builder.Services.Configure<Orleans.Configuration.GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(2));
        // Collecting a million activations is one management call that takes minutes.
        builder.Services.Configure<Orleans.Configuration.SiloMessagingOptions>(o => (o.ResponseTimeout, o.SystemResponseTimeout) = (TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(20)));
        using var host = builder.Build();
        await host.StartAsync();
        void Row(string measure, string value)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {measure} | {value} |"));
            output.Flush();
        }

        try
        {
            output.WriteLine("| measure | value |\n| --- | --- |");
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            var management = grains.Reference<IManagementGrain>(0);
            var baseActivations = await management.GetTotalActivationCount();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var workingSetBefore = Process.GetCurrentProcess().WorkingSet64;
            var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

            // Phase 1: every user's events, many users in flight.
            var clock = Stopwatch.StartNew();
            var done = 0;
            await Parallel.ForAsync(0, users, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (u, _) =>
            {
                var user = "p" + u.ToString(CultureInfo.InvariantCulture);
                var batch = new UserEvent[eventsPerUser];
                for (var i = 0; i < eventsPerUser; i++)
                {
                    batch[i] = new UserEvent
                    {
                        EventId = user + "-" + i.ToString(CultureInfo.InvariantCulture), UserId = user, Type = i % 4 == 3 ? EventType.AddToCart : EventType.View,
                        OccurredAt = start.AddMinutes(u % 100_000).AddSeconds(i), Source = "bench", ItemId = "sku-" + ((u * 7 + i * 13) % 4_000).ToString(CultureInfo.InvariantCulture),
                    };
                }

                await grains.Reference<IUserGrain>(user).IngestAsync(batch);
                if (Interlocked.Increment(ref done) % 20_000 == 0)
                {
                    await progress.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"\rprofiles: {done:N0} of {users:N0} users, {done / clock.Elapsed.TotalSeconds:N0} users/s  "));
                }
            });
            var phase1 = clock.Elapsed;
            await progress.WriteLineAsync();
            var active = await management.GetTotalActivationCount() - baseActivations;
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            var workingSetAfter = Process.GetCurrentProcess().WorkingSet64;
            var (rows, meanPayload, fileBytes) = Storage(directory);
            Row("users, events per user", $"{users:N0}, {eventsPerUser}");
            Row("phase 1: users activated and written", $"{users / phase1.TotalSeconds:N0} users/s, {users * eventsPerUser / phase1.TotalSeconds:N0} events/s ({phase1.TotalSeconds:0} s)");
            Row("active grains after phase 1", $"{active:N0}");
            Row("managed heap per active profile (after a full GC)", $"{(heapAfter - heapBefore) / (double)Math.Max(1, active):N0} B");
            Row("working set per active profile", $"{(workingSetAfter - workingSetBefore) / (double)Math.Max(1, active):N0} B");
            Row("stored rows, mean state payload", $"{rows:N0}, {meanPayload:N0} B");
            Row("database files (db + WAL) per profile", $"{fileBytes / (double)Math.Max(1, rows):N0} B ({fileBytes / 1e6:N0} MB)");

            // Phase 2: a hot set keeps writing at a fixed rate; first alone, then while everything else is collected.
            var before = await HotLoadAsync(grains, hotUsers, hotRate, TimeSpan.FromSeconds(10), start, null, "before");
            clock.Restart();
            var collect = management.ForceActivationCollection(TimeSpan.FromSeconds(5));
            var during = await HotLoadAsync(grains, hotUsers, hotRate, TimeSpan.FromMinutes(10), start.AddDays(1), collect, "during");
            var collectTime = clock.Elapsed;
            var left = await management.GetTotalActivationCount() - baseActivations;
            Row("phase 2: idle grains deactivated", $"{active - left:N0} in {collectTime.TotalSeconds:0} s = {(active - left) / collectTime.TotalSeconds:N0} per second");
            Row($"hot set ({hotUsers:N0} users, {hotRate:N0} writes/s): write latency before collection p50 / p99 / max", Latency(before));
            Row("same, during collection p50 / p99 / max", Latency(during));
            var heapCollected = GC.GetTotalMemory(forceFullCollection: true);
            Row("managed heap left after collection, over the empty silo", $"{(heapCollected - heapBefore) / 1e6:N0} MB");

            // Phase 3: cold users read again: one activation and one state read each.
            var sample = new Random(1);
            var cold = new LongHistogram(TimeStamp.Hours(1), 3);
            clock.Restart();
            const int reads = 5_000;
            await Parallel.ForAsync(0, reads, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, _) =>
            {
                int u;
                lock (sample)
                {
                    u = hotUsers + sample.Next(users - hotUsers);
                }

                var started = Stopwatch.GetTimestamp();
                await grains.Reference<IUserGrain>("p" + u.ToString(CultureInfo.InvariantCulture)).GetProfileAsync();
                lock (cold)
                {
                    cold.RecordValue(Stopwatch.GetTimestamp() - started);
                }
            });
            Row($"phase 3: {reads:N0} collected users read again (64 at once)", $"{reads / clock.Elapsed.TotalSeconds:N0} reactivations/s; latency p50 / p99 / max {Latency(cold, "reads")}");
        }
        finally
        {
            await host.StopAsync();
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Writes one event to one of the hot users every 1/<paramref name="rate"/> s for <paramref name="duration"/>, or until <paramref name="until"/> ends.</summary>
    private static async Task<LongHistogram> HotLoadAsync(IGrainFactory grains, int hotUsers, int rate, TimeSpan duration, DateTime start, Task? until, string phase)
    {
        var histogram = new LongHistogram(TimeStamp.Hours(1), 3);
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var next = 0L;
        while (clock.Elapsed < duration && until?.IsCompleted != true)
        {
            var due = TimeSpan.FromSeconds(next / (double)rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var n = next++;
            var user = "p" + (n % hotUsers).ToString(CultureInfo.InvariantCulture);
            var dueTicks = Stopwatch.GetTimestamp();
            inFlight.Add(Task.Run(async () =>
            {
                await grains.Reference<IUserGrain>(user).IngestAsync([new UserEvent
                {
                    EventId = "hot-" + phase + "-" + n.ToString(CultureInfo.InvariantCulture), UserId = user, Type = EventType.View, OccurredAt = start.AddDays(100).AddSeconds(n),
                    Source = "bench", ItemId = "hot-sku",
                }]);
                lock (histogram)
                {
                    histogram.RecordValue(Stopwatch.GetTimestamp() - dueTicks);
                }
            }));
        }

        await Task.WhenAll(inFlight);
        if (until is not null)
        {
            await until;
        }

        return histogram;
    }

    private static string Latency(LongHistogram h, string what = "writes") => string.Create(CultureInfo.InvariantCulture,
        $"{h.GetValueAtPercentile(50) * 1000.0 / Stopwatch.Frequency:0.0} / {h.GetValueAtPercentile(99) * 1000.0 / Stopwatch.Frequency:0.0} / {h.GetMaxValue() * 1000.0 / Stopwatch.Frequency:0.0} ms ({h.TotalCount:N0} {what})");

    private static (long Rows, double MeanPayload, long FileBytes) Storage(string directory)
    {
        var path = Path.Combine(directory, "esrs.db");
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        // A state's bytes: its row and the rows beside it (its quarantine's entries).
        command.CommandText = """
            SELECT count(*), avg(length(s.Payload) + coalesce((SELECT sum(length(r.Payload)) FROM EsrsGrainStateRow r
                WHERE r.ServiceId = s.ServiceId AND r.GrainType = s.GrainType AND r.GrainKey = s.GrainKey), 0))
            FROM EsrsGrainState s
            """;
        using var reader = command.ExecuteReader();
        reader.Read();
        var files = new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);
        return (reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetDouble(1), files);
    }
}
