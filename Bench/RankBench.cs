using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Esrs.Client.Gateway;
using Esrs.Client.Import;
using Esrs.Recommending;
using Esrs.Silo.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Bench;

/// <summary>
/// <c>./esrs bench rank</c>: the two per-request calls of a search frontend through real HTTP at a fixed rate
/// (open loop: each request's latency counts from when it was due, so a stall is not hidden by the requests it delays).
/// One silo on SQLite and the gateway in this process, profiles and the item graph from the first UCI rows.
/// </summary>
internal static class RankBench
{
    /// <summary>The calls <c>--calls</c> can pick; they run in the order given, a call named twice runs twice (A B A B compares two calls with neither always first).</summary>
    public static readonly IReadOnlyList<string> Calls = ["rank-grain", "rank-client", "rank", "recommend", "recommend-wait", "recommend-uncached", "profile-grain", "profile-client", "profile"];

    public static async Task<int> RunAsync(IReadOnlyList<UciRow> rows, int rate, double seconds, double warmup, int candidates, IReadOnlyList<string> calls, TextWriter output)
    {
        var directory = Path.Combine(Path.GetTempPath(), "esrs-rank-bench-" + Guid.NewGuid().ToString("N"));
        var key = "bench-" + Guid.NewGuid().ToString("N");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
        builder.Logging.ClearProviders();
        builder.Configuration["Esrs:Tagger:Enabled"] = "false";
        builder.Configuration["Esrs:Silo:MetricsPort"] = "0";
        builder.AddEsrsSilo(o => (o.DataDirectory, o.SiloPort, o.GatewayPort) = (directory, 21112, 31001));
        using var silo = builder.Build();
        await silo.StartAsync();
        var gateway = GatewayHost.Build(
        [
            "--Esrs:Gateway:Url", "http://127.0.0.1:0", "--Esrs:Gateway:SiloGateways:0", "127.0.0.1:31001",
            "--Esrs:Gateway:ReadKeys:0:Name", "bench", "--Esrs:Gateway:ReadKeys:0:Key", key,
            "--Esrs:Gateway:WriteKeys:0:Name", "bench-writer", "--Esrs:Gateway:WriteKeys:0:Key", key + "-write",
        ], b => b.Logging.ClearProviders());
        await gateway.StartAsync();
        try
        {
            var events = rows.Select(UciOnlineRetail.ToEvent).ToList();
            await DirectIngest.RunAsync(silo.Services.GetRequiredService<IGrainFactory>(), events, TextWriter.Null);
            await silo.Services.GetRequiredService<RecommendationFeed>().FlushAsync();
            var users = rows.Where(r => r.CustomerId.Length > 0).Select(r => r.CustomerId).Distinct().ToArray();
            var catalogue = rows.Where(r => r.Description.Length > 0).DistinctBy(r => r.StockCode).Select(r => (r.StockCode, r.Description.Trim())).ToArray();
            var random = new Random(1);
            var bodies = Enumerable.Range(0, 256).Select(_ => JsonSerializer.SerializeToUtf8Bytes(new
            {
                candidates = random.GetItems(catalogue, Math.Min(candidates, catalogue.Length)).DistinctBy(c => c.StockCode)
                    .Select(c => new { itemId = c.StockCode, title = c.Item2, score = random.NextDouble() }),
                blend = 0.5,
            })).ToArray();
            var address = gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri(address + "/") };
            http.DefaultRequestHeaders.Add(ApiKeyAuthorizer.Header, key);

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Esrs per-request calls: {rows.Count:N0} UCI rows imported ({users.Length:N0} customers, {catalogue.Length:N0} items), {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}"));
            output.WriteLine();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Open loop at {rate:N0} requests/s for {seconds:0} s after {warmup:0} s of warm-up; client, gateway and silo share this machine; CPU and KB allocated are this process's (client, gateway and silo) per call, GCs the gen-0 collections while measuring. Latencies count from when each request was due (the open-loop schedule); \"from send\" counts from when the client actually sent it (the difference is the client's own lag: timer resolution and thread-pool wake-ups)."));
            output.WriteLine();
            output.WriteLine("| call | sent | errors | achieved/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | from send p50 / p99 ms | CPU µs/call | KB/call | GCs | item graph |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            // The same rank requests as grain calls inside the silo: what is left without HTTP, JSON and the client hop.
            var grains = silo.Services.GetRequiredService<IGrainFactory>();
            var parsed = bodies.Select(b => JsonSerializer.Deserialize<JsonElement>(b).GetProperty("candidates").EnumerateArray()
                .Select(c => new RankCandidate { ItemId = c.GetProperty("itemId").GetString()!, Title = c.GetProperty("title").GetString(), Score = c.GetProperty("score").GetDouble() }).ToArray()).ToArray();
            var direct = WithoutHttp(i => grains.Reference<IUserGrain>(users[i % users.Length]).RankAsync(parsed[i % parsed.Length], 0.5));
            // The same through the gateway's Orleans client (its TCP hop and serialisation both ways), still without HTTP and JSON.
            var client = gateway.Services.GetRequiredService<IClusterClient>();
            var hop = WithoutHttp(i => client.Reference<IUserGrain>(users[i % users.Length]).RankAsync(parsed[i % parsed.Length], 0.5));
            Func<int, Task<HttpResponseMessage>> recommend = i => http.GetAsync($"v1/users/{users[i % users.Length]}/recommendations?k=20");
            var graph = silo.Services.GetRequiredService<ItemGraphCache>();
            var recommendOptions = silo.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RecommendOptions>>().Value;
            var (cacheFor, serveStaleFor) = (recommendOptions.GraphCacheFor, recommendOptions.GraphServeStaleFor);
            var json = new MediaTypeHeaderValue("application/json");
            var definitions = new (string Call, string Name, Func<int, Task<HttpResponseMessage>> Send, (TimeSpan CacheFor, TimeSpan ServeStaleFor)? GraphCache)[]
            {
                ("rank-grain", $"rank, {candidates} candidates, grain call in the silo (no HTTP)", direct, null),
                ("rank-client", $"rank, {candidates} candidates, the gateway's Orleans client (no HTTP)", hop, null),
                ("rank", $"rank, {candidates} candidates", i => http.PostAsync($"v1/users/{users[i % users.Length]}/rank", new ByteArrayContent(bodies[i % bodies.Length]) { Headers = { ContentType = json } }), null),
                ("recommend", "recommendations, k = 20", recommend, (cacheFor, serveStaleFor)),
                // The same without stale answers: a request that finds its cached rows expired waits for the shards (the cache before stale-while-revalidate).
                ("recommend-wait", "recommendations, k = 20, no stale answers", recommend, (cacheFor, TimeSpan.Zero)),
                // The same with the silo's item graph cache off: every recommendation the user grain computes reads the shards.
                ("recommend-uncached", "recommendations, k = 20, item graph cache off", recommend, (TimeSpan.Zero, TimeSpan.Zero)),
                // What the gateway's profile read costs beside them (the read issue 10 measures with ./esrs load), and the same
                // read as a grain call in the silo and through the gateway's Orleans client: where a read's time goes.
                ("profile-grain", "profile read, grain call in the silo (no HTTP)", WithoutHttp(i => grains.Reference<IUserGrain>(users[i % users.Length]).GetProfileJsonAsync(false)), null),
                ("profile-client", "profile read, the gateway's Orleans client (no HTTP)", WithoutHttp(i => client.Reference<IUserGrain>(users[i % users.Length]).GetProfileJsonAsync(false)), null),
                ("profile", "profile read", i => http.GetAsync($"v1/users/{users[i % users.Length]}/profile"), null),
            }.ToDictionary(d => d.Call, StringComparer.Ordinal);
            foreach (var (_, name, send, graphCache) in calls.Select(c => definitions[c]))
            {
                if (graphCache is { } keep)
                {
                    (recommendOptions.GraphCacheFor, recommendOptions.GraphServeStaleFor) = keep;
                }

                await OpenLoopAsync(send, rate, warmup, null);
                var shardCalls = graph.Calls;
                var result = await OpenLoopAsync(send, rate, seconds, name);
                output.WriteLine(graphCache is null
                    ? result + " |"
                    : result + string.Create(CultureInfo.InvariantCulture, $" {(graph.Calls - shardCalls) / (rate * seconds):0.00} shard calls/request |"));
            }

            return 0;
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
            await silo.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>A call made without HTTP, answered as a 200 for the open loop (a thrown call still counts as it throws).</summary>
    private static Func<int, Task<HttpResponseMessage>> WithoutHttp<T>(Func<int, Task<T>> call) => async i =>
    {
        await call(i);
        return new HttpResponseMessage(System.Net.HttpStatusCode.OK);
    };

    private static async Task<string> OpenLoopAsync(Func<int, Task<HttpResponseMessage>> send, int rate, double seconds, string? name)
    {
        var total = (int)(rate * seconds);
        var latencies = new double[total];
        var service = new double[total];
        var errors = 0;
        var inFlight = new List<Task>(total);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var collections = GC.CollectionCount(0);
        var allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = (double)i / rate;
            var ahead = due - clock.Elapsed.TotalSeconds;
            if (ahead > 0.001)
            {
                await Task.Delay(TimeSpan.FromSeconds(ahead));
            }

            var index = i;
            inFlight.Add(Task.Run(async () =>
            {
                var sent = clock.Elapsed.TotalSeconds;
                try
                {
                    using var response = await send(index);
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                var done = clock.Elapsed.TotalSeconds;
                latencies[index] = (done - due) * 1000;
                service[index] = (done - sent) * 1000;
            }));
        }

        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed.TotalSeconds;
        var cpuPerCall = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / total;
        collections = GC.CollectionCount(0) - collections;
        var allocatedPerCall = (GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / total;
        Array.Sort(latencies);
        Array.Sort(service);
        double P(double q) => At(latencies, q);
        static double At(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return name is null
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $"| {name} | {total:N0} | {errors:N0} | {total / elapsed:N0} | {P(0.5):0.00} | {P(0.9):0.00} | {P(0.99):0.00} | {P(0.999):0.00} | {latencies[^1]:0.00} | {At(service, 0.5):0.00} / {At(service, 0.99):0.00} | {cpuPerCall:N0} | {allocatedPerCall:N0} | {collections:N0} |");
    }
}
