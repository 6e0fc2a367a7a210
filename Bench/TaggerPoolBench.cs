using System.Diagnostics;
using System.Globalization;
using Esrs.Silo.Hosting;
using Esrs.Silo.Tagging;
using Esrs.Tagging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Bench;

/// <summary>
/// Throughput of the tagger pool on a real silo with the fine-tuned checkpoint: many concurrent callers, one title per call,
/// first with batching off (batch size 1), then with the dynamic batcher. Texts/s counts completed calls.
/// </summary>
internal static class TaggerPoolBench
{
    public static async Task<int> RunAsync(string modelDirectory, IReadOnlyList<string> titles, int callers, TimeSpan duration, TimeSpan warmup, TextWriter output)
    {
        Console.Error.WriteLine($"tagger pool bench: {callers} callers, {duration.TotalSeconds:F0} s per setting, model {Path.GetFullPath(modelDirectory)}");
        output.WriteLine("| setting | texts/s | model batches | mean texts per batch | p50 / p99 call latency | per text: tokenise / pad / encode / decode (ms) | per batch: pad + encode (ms) |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (name, batch, delay) in new[] { ("unbatched (MaxBatchSize 1)", 1, TimeSpan.Zero), ("batched (MaxBatchSize 32, MaxDelay 5 ms)", 32, TimeSpan.FromMilliseconds(5)) })
        {
            var dataDirectory = Path.Combine(Path.GetTempPath(), "esrs-tagbench-" + Guid.NewGuid().ToString("N"));
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Bench" });
            builder.Logging.ClearProviders();
            builder.Configuration["Esrs:Tagger:ModelDirectory"] = Path.GetFullPath(modelDirectory);
            builder.Configuration["Esrs:Tagger:MaxBatchSize"] = batch.ToString(CultureInfo.InvariantCulture);
            builder.Configuration["Esrs:Tagger:MaxDelay"] = delay.ToString("c", CultureInfo.InvariantCulture);
            builder.Configuration["Esrs:Tagger:Threads"] = "2";
            builder.AddEsrsSilo(o => (o.DataDirectory, o.SiloPort, o.GatewayPort) = (dataDirectory, 21112, 31001));
            using var host = builder.Build();
            await host.StartAsync();
            try
            {
                var grains = host.Services.GetRequiredService<IGrainFactory>();
                var batcher = host.Services.GetRequiredService<TagBatcher>();
                if (!batcher.Model.IsAvailable)
                {
                    Console.Error.WriteLine($"esrs bench tagger-pool: {((UnavailableTagModel)batcher.Model).Reason}");
                    return ExitCodes.Usage;
                }

                // Warm-up: every pool member active, JIT and libtorch settled.
                await Run(grains, titles, callers, warmup);
                var model = (TorchTagModel)batcher.Model;
                var (before, beforeTexts, timesBefore) = (batcher.Totals.Batches, batcher.Totals.Texts, model.Times);
                var (calls, latencies, elapsed) = await Run(grains, titles, callers, duration);
                var (after, afterTexts, timesAfter) = (batcher.Totals.Batches, batcher.Totals.Texts, model.Times);
                latencies.Sort();
                var (texts, batches) = (Math.Max(1, afterTexts - beforeTexts), Math.Max(1, after - before));
                double PerText(Func<TagModelTimes, TimeSpan> step) => (step(timesAfter) - step(timesBefore)).TotalMilliseconds / texts;
                double PerBatch(Func<TagModelTimes, TimeSpan> step) => (step(timesAfter) - step(timesBefore)).TotalMilliseconds / batches;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {calls / elapsed.TotalSeconds:N0} | {after - before:N0} | {texts / (double)batches:F1} | {latencies[latencies.Count / 2]:F1} / {latencies[(int)(latencies.Count * 0.99)]:F1} ms " +
                    $"| {PerText(t => t.Tokenise):F2} / {PerText(t => t.Pad):F2} / {PerText(t => t.Encode):F2} / {PerText(t => t.Decode):F2} | {PerBatch(t => t.Pad):F1} + {PerBatch(t => t.Encode):F1} |"));
            }
            finally
            {
                await host.StopAsync();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dataDirectory, recursive: true);
            }
        }

        return 0;
    }

    private static async Task<(long Calls, List<double> LatenciesMs, TimeSpan Elapsed)> Run(IGrainFactory grains, IReadOnlyList<string> titles, int callers, TimeSpan duration)
    {
        var stopwatch = Stopwatch.StartNew();
        var latencies = new List<double>[callers];
        long calls = 0;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var mine = latencies[caller] = [];
            var next = caller;
            while (stopwatch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await grains.GetGrain<ITaggerGrain>(next % 8).TagAsync([titles[next % titles.Count]]);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref calls);
                next += callers;
            }
        }));
        return (calls, [.. latencies.SelectMany(l => l)], stopwatch.Elapsed);
    }
}
