using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Esrs.Cleaning;
using Esrs.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Catalogue;

/// <summary>
/// One per silo: the catalogue items user grains enrich events from. Before a batch is validated the grain asks for the
/// batch's item ids; ids cached and fresh cost nothing. A shard with a missing id is read whole, once, when it holds at
/// most <see cref="CatalogueOptions.WholeShardItems"/> items (concurrent batches share the read), and then knows every id
/// of it, found or not, for <see cref="CatalogueOptions.CacheFor"/>; a larger shard is asked for the batch's missing ids
/// only (ids it lacks are remembered for <see cref="CatalogueOptions.MissCacheFor"/>). Never a call per event. A read that
/// fails leaves those events unenriched (counted): the catalogue being away never holds up ingest.
/// </summary>
public sealed partial class CatalogueCache(IGrainFactory grains, IOptions<CatalogueOptions> options, TimeProvider time, ILogger<CatalogueCache> logger) : ICatalogueLookup
{
    public const string MeterName = "Esrs.Catalogue";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Fetched = Meter.CreateCounter<long>("esrs.catalogue.fetches", description: "Shard calls made to fill the per-silo catalogue cache");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("esrs.catalogue.fetch_failures", description: "Shard calls that failed (those events went unenriched)");

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, WholeShard> _whole = new();
    private long _fetches;
    private long _failures;

    public bool Enabled => options.Value.Enabled;

    /// <summary>Shard calls this cache made (tests and benchmarks: a batch of cached items makes none).</summary>
    public long Fetches => Interlocked.Read(ref _fetches);

    /// <summary>Shard calls that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Items (and known misses) held now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Makes sure the item ids of <paramref name="events"/> are cached and fresh, fetching the others per shard; returns the
    /// lookup to validate them with, or null when enrichment is off or no event names an item.
    /// </summary>
    public async ValueTask<ICatalogueLookup?> LookupAsync(IEnumerable<UserEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!Enabled)
        {
            return null;
        }

        var now = time.GetTimestamp();
        var shards = options.Value.Shards;
        var any = false;
        HashSet<string>? missing = null;
        foreach (var e in events)
        {
            if (e?.ItemId is not { Length: > 0 } item)
            {
                continue;
            }

            any = true;
            if ((!_entries.TryGetValue(item, out var entry) || entry.ExpiresAt <= now) && !KnownWhole(CatalogueShardGrain.ShardOf(item, shards), now))
            {
                (missing ??= new HashSet<string>(StringComparer.Ordinal)).Add(item);
            }
        }

        if (!any)
        {
            return null;
        }

        if (missing is not null)
        {
            await FetchAsync(missing);
        }

        return this;
    }

    /// <summary>Forgets items this silo changed (and that their shards were read whole), so its next batches see the change at once.</summary>
    public void Invalidate(IEnumerable<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var shards = options.Value.Shards;
        foreach (var id in itemIds)
        {
            _entries.TryRemove(id, out _);
            _whole.TryRemove(CatalogueShardGrain.ShardOf(id, shards), out _);
        }
    }

    public bool TryGet(string itemId, out CatalogueFacts facts)
    {
        if (_entries.TryGetValue(itemId, out var entry) && entry.Facts is { } found)
        {
            facts = found;
            return true;
        }

        facts = null!;
        return false;
    }

    private bool KnownWhole(int shard, long now) =>
        _whole.TryGetValue(shard, out var whole) && whole.Read.IsCompletedSuccessfully && whole.Read.Result && whole.ExpiresAt > now;

    private async Task FetchAsync(HashSet<string> missing)
    {
        var o = options.Value;
        if (_entries.Count + missing.Count > o.CacheCapacity)
        {
            _entries.Clear();
            _whole.Clear();
        }

        await Task.WhenAll(missing.GroupBy(id => CatalogueShardGrain.ShardOf(id, o.Shards)).Select(async shard =>
        {
            var ids = shard.ToList();
            try
            {
                if (await ReadWholeAsync(shard.Key))
                {
                    return;
                }

                CountFetch();
                var facts = await grains.Reference<ICatalogueShardGrain>(shard.Key).GetFactsAsync(ids);
                var now = time.GetTimestamp();
                for (var i = 0; i < ids.Count; i++)
                {
                    _entries[ids[i]] = new Entry(facts[i], now + Ticks(facts[i] is null ? o.MissCacheFor : o.CacheFor));
                }
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failures);
                Failed.Add(1);
                LogWarningFetchFailed(logger, ex, shard.Key, ids.Count);
            }
        }));
    }

    /// <summary>Reads the shard whole unless it is too big (false); one read at a time per shard, shared by its callers.</summary>
    private Task<bool> ReadWholeAsync(int shard)
    {
        var now = time.GetTimestamp();
        while (true)
        {
            if (_whole.TryGetValue(shard, out var current) && (!current.Read.IsCompleted || (current.ExpiresAt > now && current.Read.IsCompletedSuccessfully)))
            {
                return current.Read;
            }

            var next = new WholeShard(ReadAsync(), now + Ticks(options.Value.CacheFor));
            if (current is null ? _whole.TryAdd(shard, next) : _whole.TryUpdate(shard, next, current))
            {
                return next.Read;
            }
        }

        async Task<bool> ReadAsync()
        {
            await Task.Yield();
            CountFetch();
            var all = await grains.Reference<ICatalogueShardGrain>(shard).GetAllFactsAsync(options.Value.WholeShardItems);
            if (all is null)
            {
                return false;
            }

            var until = time.GetTimestamp() + Ticks(options.Value.CacheFor);
            foreach (var facts in all)
            {
                _entries[facts.ItemId] = new Entry(facts, until);
            }

            return true;
        }
    }

    private void CountFetch()
    {
        Interlocked.Increment(ref _fetches);
        Fetched.Add(1);
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private sealed record WholeShard(Task<bool> Read, long ExpiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalogue shard {Shard} could not be read for {Count} items; those events go unenriched")]
    private static partial void LogWarningFetchFailed(ILogger logger, Exception exception, int shard, int count);

    private readonly record struct Entry(CatalogueFacts? Facts, long ExpiresAt);
}
