using System.Diagnostics.Metrics;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Users;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Recommending;

/// <summary>
/// A silo's feed into the item graph, off the ingest's critical path: after a user grain's durable write it hands over
/// the events it applied; each purchase or add-to-cart of a product adds its profile weight to the item's popularity and
/// to the pair (item, r) for each of the user's <see cref="RecommendOptions.PairWindow"/> most recent items r, as
/// <see cref="ItemCoOccurrence.Observe"/> does offline. Pairs are summed in memory per shard and sent every
/// <see cref="RecommendOptions.FlushInterval"/> as numbered deliveries: one that fails is sent again with the same number
/// and content, and the shard merges each number once.
/// </summary>
public sealed partial class RecommendationFeed(IGrainFactory grains, IOptions<RecommendOptions> options, ItemGraphCache graph, ILogger<RecommendationFeed> logger) : BackgroundService
{
    private static readonly Meter Meter = new("Esrs.Recommend");
    private static readonly Counter<long> SendFailures = Meter.CreateCounter<long>("esrs.recommend.send_failures", description: "Failed deliveries to item graph shards (retried)");

    private readonly Buffer[] _shards = [.. Enumerable.Range(0, options.Value.Shards).Select(_ => new Buffer())];
    private readonly string _sender = "feed/" + Environment.MachineName + "/" + Guid.NewGuid().ToString("N");
    private readonly SemaphoreSlim _sending = new(1, 1);

    public bool Enabled => options.Value.Enabled;

    /// <summary>
    /// Adds what one ingest call applied. <paramref name="recentBefore"/>: the user's recent items before the call, newest first.
    /// </summary>
    public void Record(IReadOnlyList<string> recentBefore, IReadOnlyList<AppliedEvent> applied)
    {
        ArgumentNullException.ThrowIfNull(recentBefore);
        ArgumentNullException.ThrowIfNull(applied);
        if (!Enabled || applied.Count == 0)
        {
            return;
        }

        var o = options.Value;
        List<string>? recent = null;
        foreach (var (e, isProduct) in applied)
        {
            var weight = ProfileBuilder.InterestWeight(e.Type, e.Rating);
            if (!isProduct || e.ItemId is not { } item || weight <= 0)
            {
                continue;
            }

            recent ??= [.. recentBefore.Take(o.PairWindow)];
            if (e.Type is EventType.Purchase or EventType.AddToCart)
            {
                var boosted = weight * DecayMath.Boost(e.OccurredAt, o.Epoch, o.HalfLife);
                Add(item, boosted, recent, e.CategoryPath);
            }

            recent.Remove(item);
            recent.Insert(0, item);
            if (recent.Count > o.PairWindow)
            {
                recent.RemoveAt(recent.Count - 1);
            }
        }
    }

    /// <summary>Sends what is buffered now (tests; shutdown).</summary>
    public async Task FlushAsync()
    {
        await _sending.WaitAsync();
        try
        {
            await Task.WhenAll(_shards.Select(SendAsync));
        }
        finally
        {
            _sending.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync().WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }
    }

    private void Add(string item, double boosted, List<string> recent, string? category)
    {
        var shards = _shards.Length;
        var own = _shards[ItemGraphShard.ShardOf(item, shards)];
        lock (own)
        {
            own.Popularity[item] = own.Popularity.GetValueOrDefault(item) + boosted;
            if (category is not null)
            {
                own.Categories[item] = category;
            }

            foreach (var other in recent)
            {
                if (!string.Equals(other, item, StringComparison.Ordinal))
                {
                    own.AddPair(item, other, boosted);
                }
            }
        }

        foreach (var other in recent)
        {
            if (string.Equals(other, item, StringComparison.Ordinal))
            {
                continue;
            }

            var theirs = _shards[ItemGraphShard.ShardOf(other, shards)];
            lock (theirs)
            {
                theirs.AddPair(other, item, boosted);
            }
        }
    }

    private async Task SendAsync(Buffer buffer, int shard)
    {
        long sequence;
        ItemGraphDelta delta;
        lock (buffer)
        {
            if (buffer.Delivering is null)
            {
                if (buffer.Popularity.Count == 0 && buffer.Pairs.Count == 0)
                {
                    return;
                }

                buffer.Delivering = (++buffer.Sequence, new ItemGraphDelta(buffer.Popularity, buffer.Pairs, buffer.Categories));
                (buffer.Popularity, buffer.Pairs, buffer.Categories) = (new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
            }

            (sequence, delta) = buffer.Delivering.Value;
        }

        try
        {
            await grains.Reference<IItemGraphGrain>(shard).ApplyAsync(_sender, sequence, delta);
            graph.Invalidate(delta.Popularity.Keys.Concat(delta.Pairs.Keys));
            lock (buffer)
            {
                buffer.Delivering = null;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Kept as it is: the next flush sends the same number and content again.
            SendFailures.Add(1);
            LogSendFailed(logger, ex, shard);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Item graph delivery to shard {Shard} failed; it is sent again with the same number")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, int shard);

    private sealed class Buffer
    {
        public Dictionary<string, double> Popularity { get; set; } = new(StringComparer.Ordinal);

        public Dictionary<string, Dictionary<string, double>> Pairs { get; set; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Categories { get; set; } = new(StringComparer.Ordinal);

        public long Sequence { get; set; }

        public (long Sequence, ItemGraphDelta Delta)? Delivering { get; set; }

        public void AddPair(string item, string other, double boosted)
        {
            if (!Pairs.TryGetValue(item, out var row))
            {
                Pairs[item] = row = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            row[other] = row.GetValueOrDefault(other) + boosted;
        }
    }
}
