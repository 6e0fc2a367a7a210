using Esrs.Cli;
using System.Diagnostics;
using System.Globalization;
using Esrs.Silo.Hosting;
using Esrs.Silo.Tagging;
using Esrs.Tagging;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using TorchSharp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Esrs.Bench;

/// <summary>
/// Throughput of the tagger pool on a real silo with the fine-tuned checkpoint: many concurrent callers, one title per call,
/// first with batching off (batch size 1), then with the dynamic batcher. Texts/s counts completed calls. A call the pool
/// sheds (its queue would take longer than <c>Esrs:Tagger:MaxQueueWait</c> to run) is counted and sent again after the
/// pool's Retry-After, as a well-behaved caller does: more callers than the model keeps up with is what the bench is for.
/// </summary>
internal static class TaggerPoolBench
{
    public static async Task<int> RunAsync(string modelDirectory, IReadOnlyList<string> titles, int callers, TimeSpan duration, TimeSpan warmup, TextWriter output)
    {
        Console.Error.WriteLine($"tagger pool bench: {callers} callers, {duration.TotalSeconds:F0} s per setting, model {Path.GetFullPath(modelDirectory)}");
        output.WriteLine("| setting | texts/s | model batches | mean texts per batch | p50 / p99 call latency | calls shed and retried | per text: tokenise / pad / encode / decode (ms) | per batch: pad + encode (ms) |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
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
                var (calls, shed, latencies, elapsed) = await Run(grains, titles, callers, duration);
                var (after, afterTexts, timesAfter) = (batcher.Totals.Batches, batcher.Totals.Texts, model.Times);
                latencies.Sort();
                if (latencies.Count == 0)
                {
                    latencies.Add(double.NaN); // every call shed: no latency to show
                }

                var (texts, batches) = (Math.Max(1, afterTexts - beforeTexts), Math.Max(1, after - before));
                double PerText(Func<TagModelTimes, TimeSpan> step) => (step(timesAfter) - step(timesBefore)).TotalMilliseconds / texts;
                double PerBatch(Func<TagModelTimes, TimeSpan> step) => (step(timesAfter) - step(timesBefore)).TotalMilliseconds / batches;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {calls / elapsed.TotalSeconds:N0} | {after - before:N0} | {texts / (double)batches:F1} | {latencies[latencies.Count / 2]:F1} / {latencies[(int)(latencies.Count * 0.99)]:F1} ms | {shed:N0} " +
                    $"| {PerText(t => t.Tokenise):F2} / {PerText(t => t.Pad):F2} / {PerText(t => t.Encode):F2} / {PerText(t => t.Decode):F2} | {PerBatch(t => t.Pad):F1} + {PerBatch(t => t.Encode):F1} |"));
            }
            finally
            {
                await host.StopAsync();
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(dataDirectory, recursive: true);
            }
        }

        ModelAlone(modelDirectory, titles, output);
        return 0;
    }

    /// <summary>
    /// The model alone on batches of 32 test titles, one thread of calls: one padded call per batch against calls grouped by
    /// length (what Tagger.Run does), and the tokenise and decode time per text that callers now spend off the batch thread.
    /// </summary>
    private static void ModelAlone(string modelDirectory, IReadOnlyList<string> titles, TextWriter output)
    {
        torch.set_num_threads(2);
        using var tagger = new Tagger(TaggerCheckpoint.Load(modelDirectory), torch.CPU);
        var batches = Enumerable.Range(0, Math.Min(12, titles.Count / 32)).Select(b => titles.Skip(b * 32).Take(32).ToList()).ToList();
        var tokenise = Stopwatch.StartNew();
        var prepared = batches.Select(b => b.Select(tagger.Prepare).ToList()).ToList();
        tokenise.Stop();
        var scores = prepared.Select(p => tagger.Run(p)).ToList(); // warm-up
        double Time(bool grouped)
        {
            var stopwatch = Stopwatch.StartNew();
            foreach (var batch in prepared)
            {
                tagger.Run(batch, grouped);
            }

            return stopwatch.Elapsed.TotalMilliseconds / prepared.Count;
        }

        var (padded, grouped, padded2, grouped2) = (Time(false), Time(true), Time(false), Time(true));
        var decode = Stopwatch.StartNew();
        for (var b = 0; b < prepared.Count; b++)
        {
            for (var i = 0; i < prepared[b].Count; i++)
            {
                tagger.Decode(prepared[b][i], scores[b][i]);
            }
        }

        decode.Stop();
        var texts = prepared.Sum(p => p.Count);
        var (pieces, longest) = (prepared.Average(p => p.Average(t => t.Ids.Length)), prepared.Average(p => p.Max(t => t.Ids.Length)));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Model alone, {prepared.Count} batches of 32 OA-Mine test titles (mean {pieces:F1} pieces, longest of a batch {longest:F1} on average), 2 threads: " +
            $"one padded call {padded:F0} / {padded2:F0} ms per batch, grouped by length {grouped:F0} / {grouped2:F0} ms per batch (two passes each); " +
            $"tokenise {tokenise.Elapsed.TotalMilliseconds / texts:F2} ms and decode {decode.Elapsed.TotalMilliseconds / texts:F2} ms per text (callers' threads)."));
    }

    private static async Task<(long Calls, long Shed, List<double> LatenciesMs, TimeSpan Elapsed)> Run(IGrainFactory grains, IReadOnlyList<string> titles, int callers, TimeSpan duration)
    {
        var stopwatch = Stopwatch.StartNew();
        var latencies = new List<double>[callers];
        long calls = 0, shed = 0;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
        {
            var mine = latencies[caller] = [];
            var next = caller;
            while (stopwatch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await grains.Reference<ITaggerGrain>(next % 8).TagAsync([titles[next % titles.Count]]);
                }
                catch (TaggerUnavailableException ex) when (ex.RetryAfter is { } retryAfter)
                {
                    Interlocked.Increment(ref shed);
                    await Task.Delay(retryAfter);
                    continue;
                }

                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref calls);
                next += callers;
            }
        }));
        return (calls, shed, [.. latencies.SelectMany(l => l)], stopwatch.Elapsed);
    }
}
