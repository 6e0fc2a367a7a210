using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Esrs.Recommending;

/// <summary>What a recommendation reads of the item graph: rows of the user's items, popular lists, and popularity of items.</summary>
public sealed record ItemGraphRead(IReadOnlyList<ItemRow> Rows, IReadOnlyList<PopularItem> Popular, IReadOnlyDictionary<string, double> Popularity);

/// <summary>
/// One per silo: the item graph as recommendations read it, kept for <see cref="RecommendOptions.GraphCacheFor"/>. A
/// request whose items, categories and neighbours are cached makes no grain call; otherwise one round to the shards that
/// own the missing rows (all shards when a popular list is missing) and one to the shards of neighbours whose popularity
/// is unknown. What this silo's feed delivers drops the rows it touched and the popular lists at once, so a silo sees its
/// own users' purchases as soon as the graph has them; other silos' after at most <see cref="RecommendOptions.GraphCacheFor"/>.
/// </summary>
public sealed class ItemGraphCache(IGrainFactory grains, IOptions<RecommendOptions> options, TimeProvider time)
{
    /// <summary>How many popular items per list (overall, per category) are fetched and kept; a request takes up to 100.</summary>
    public const int PopularDepth = 100;

    private const string Overall = "";

    private readonly ConcurrentDictionary<string, Timed<ItemRow?>> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Timed<double?>> _popularity = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Timed<IReadOnlyList<PopularItem>>> _popular = new(StringComparer.Ordinal);
    private long _calls;

    /// <summary>Shard calls this cache made (tests and benchmarks).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Rows of <paramref name="items"/> the graph knows, the popular items overall and in <paramref name="categories"/>, and the popularity of every item in them and of the rows' neighbours.</summary>
    public async Task<ItemGraphRead> ReadAsync(IReadOnlyList<string> items, IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(categories);
        var o = options.Value;
        var now = time.GetTimestamp();
        var missingRows = items.Where(i => !Fresh(_rows, i, now)).Distinct(StringComparer.Ordinal).ToList();
        var lists = categories.Prepend(Overall).Distinct(StringComparer.Ordinal).ToList();
        var missingLists = lists.Where(c => !Fresh(_popular, c, now)).ToList();
        if (missingRows.Count > 0 || missingLists.Count > 0)
        {
            var owned = missingRows.GroupBy(i => ItemGraphShard.ShardOf(i, o.Shards)).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g]);
            // A missing list needs every shard; missing rows only their owners.
            var shards = missingLists.Count > 0 ? Enumerable.Range(0, o.Shards) : owned.Keys;
            IReadOnlyList<string> wanted = [.. missingLists.Where(c => c != Overall)];
            var depth = missingLists.Count > 0 ? PopularDepth : 0;
            var answers = await Task.WhenAll(shards.Select(s =>
            {
                Interlocked.Increment(ref _calls);
                return grains.Reference<IItemGraphGrain>(s).GetRowsAsync(owned.GetValueOrDefault(s) ?? [], wanted, depth);
            }));
            var until = now + Ticks(o.GraphCacheFor);
            var found = answers.SelectMany(a => a.Rows).ToDictionary(r => r.ItemId, StringComparer.Ordinal);
            foreach (var item in missingRows)
            {
                var row = found.GetValueOrDefault(item);
                _rows[item] = new Timed<ItemRow?>(row, until);
                _popularity[item] = new Timed<double?>(row?.Popularity, until);
            }

            if (missingLists.Count > 0)
            {
                // Each shard sent its strongest items overall and in each category: the strongest of all of them are the graph's.
                var popular = answers.SelectMany(a => a.Popular).DistinctBy(p => p.ItemId).ToList();
                foreach (var list in missingLists)
                {
                    _popular[list] = new Timed<IReadOnlyList<PopularItem>>(
                        [.. popular.Where(p => list == Overall || p.Category == list).OrderByDescending(p => p.Popularity).ThenBy(p => p.ItemId, StringComparer.Ordinal).Take(PopularDepth)],
                        until);
                }

                foreach (var p in popular)
                {
                    _popularity[p.ItemId] = new Timed<double?>(p.Popularity, until);
                }
            }
        }

        var rows = items.Select(i => _rows.TryGetValue(i, out var r) ? r.Value : null).OfType<ItemRow>().DistinctBy(r => r.ItemId).ToList();
        var popularItems = lists.SelectMany(c => _popular.TryGetValue(c, out var l) ? l.Value : []).DistinctBy(p => p.ItemId).ToList();
        var neighbours = rows.SelectMany(r => r.Neighbours.Keys).Distinct(StringComparer.Ordinal).ToList();
        now = time.GetTimestamp();
        var unknown = neighbours.Where(n => !Fresh(_popularity, n, now)).ToList();
        if (unknown.Count > 0)
        {
            var until = now + Ticks(o.GraphCacheFor);
            var answers = await Task.WhenAll(unknown.GroupBy(n => ItemGraphShard.ShardOf(n, o.Shards)).Select(async g =>
            {
                Interlocked.Increment(ref _calls);
                return (Asked: g.ToList(), Found: await grains.Reference<IItemGraphGrain>(g.Key).GetPopularityAsync([.. g]));
            }));
            foreach (var (asked, found) in answers)
            {
                foreach (var item in asked)
                {
                    _popularity[item] = new Timed<double?>(found.TryGetValue(item, out var value) ? value : null, until);
                }
            }
        }

        var popularity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in neighbours.Concat(rows.Select(r => r.ItemId)).Concat(popularItems.Select(p => p.ItemId)))
        {
            if (_popularity.TryGetValue(item, out var p) && p.Value is { } value)
            {
                popularity[item] = value;
            }
        }

        return new ItemGraphRead(rows, popularItems, popularity);
    }

    /// <summary>What this silo's feed just delivered changes these items' rows and may change any popular list.</summary>
    public void Invalidate(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            _rows.TryRemove(item, out _);
            _popularity.TryRemove(item, out _);
        }

        _popular.Clear();
    }

    private static bool Fresh<T>(ConcurrentDictionary<string, Timed<T>> cache, string key, long now) => cache.TryGetValue(key, out var entry) && entry.Until > now;

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private readonly record struct Timed<T>(T Value, long Until);
}
