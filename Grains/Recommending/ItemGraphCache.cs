using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Esrs.Recommending;

/// <summary>What a recommendation reads of the item graph: rows of the user's items, popular lists, and popularity of items.</summary>
public sealed record ItemGraphRead(IReadOnlyList<ItemRow> Rows, IReadOnlyList<PopularItem> Popular, IReadOnlyDictionary<string, double> Popularity);

/// <summary>
/// One per silo: the item graph as recommendations read it, kept for <see cref="RecommendOptions.GraphCacheFor"/>. A
/// request whose items, categories and neighbours are cached makes no grain call; otherwise one round to the shards that
/// own the missing rows (all shards when a popular list is missing) and one to the shards of neighbours whose popularity
/// is unknown. Past <see cref="RecommendOptions.GraphCacheFor"/>, for <see cref="RecommendOptions.GraphServeStaleFor"/>
/// more, a request answers from what is cached and the shards are read again in the background (one refresh per entry at
/// a time), so no request waits for a refresh of what was read recently. What this silo's feed delivers drops the rows it
/// touched at once (a silo sees its own users' purchases as soon as the graph has them) and makes the popular lists
/// stale; other silos' deliveries show after at most <see cref="RecommendOptions.GraphCacheFor"/> and one refresh.
/// </summary>
public sealed class ItemGraphCache(IGrainFactory grains, IOptions<RecommendOptions> options, TimeProvider time)
{
    /// <summary>How many popular items per list (overall, per category) are fetched and kept; a request takes up to 100.</summary>
    public const int PopularDepth = 100;

    private const string Overall = "";

    private readonly ConcurrentDictionary<string, Timed<ItemRow?>> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Timed<double?>> _popularity = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Timed<IReadOnlyList<PopularItem>>> _popular = new(StringComparer.Ordinal);

    // Entries being read again in the background: "r" + item, "n" + item (popularity), "p" + category.
    private readonly ConcurrentDictionary<string, byte> _refreshing = new(StringComparer.Ordinal);
    private long _calls;
    private long _refreshes;
    private long _failedRefreshes;

    /// <summary>Shard calls this cache made, in the request's path or in the background (tests and benchmarks).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Background refreshes started, those that failed (their entries stay stale and are tried again), and whether one is running.</summary>
    public (long Started, long Failed, bool Running) Refreshes => (Interlocked.Read(ref _refreshes), Interlocked.Read(ref _failedRefreshes), !_refreshing.IsEmpty);

    /// <summary>Rows of <paramref name="items"/> the graph knows, the popular items overall and in <paramref name="categories"/>, and the popularity of every item in them and of the rows' neighbours.</summary>
    public async Task<ItemGraphRead> ReadAsync(IReadOnlyList<string> items, IReadOnlyList<string> categories)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(categories);
        var now = time.GetTimestamp();
        var lists = categories.Prepend(Overall).Distinct(StringComparer.Ordinal).ToList();
        var (missingRows, staleRows) = Sort(_rows, items.Distinct(StringComparer.Ordinal), now);
        var (missingLists, staleLists) = Sort(_popular, lists, now);
        if (missingRows.Count > 0 || missingLists.Count > 0)
        {
            await FetchRowsAndListsAsync(missingRows, missingLists);
        }

        Refresh("r", staleRows, "p", staleLists, (rows, stale) => FetchRowsAndListsAsync(rows, stale));

        var rowsRead = items.Select(i => _rows.TryGetValue(i, out var r) ? r.Value : null).OfType<ItemRow>().DistinctBy(r => r.ItemId).ToList();
        var popularItems = lists.SelectMany(c => _popular.TryGetValue(c, out var l) ? l.Value : []).DistinctBy(p => p.ItemId).ToList();
        var neighbours = rowsRead.SelectMany(r => r.Neighbours.Keys).Distinct(StringComparer.Ordinal).ToList();
        var (unknown, stalePopularity) = Sort(_popularity, neighbours, time.GetTimestamp());
        if (unknown.Count > 0)
        {
            await FetchPopularityAsync(unknown);
        }

        Refresh("n", stalePopularity, "", [], (stale, _) => FetchPopularityAsync(stale));

        var popularity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in neighbours.Concat(rowsRead.Select(r => r.ItemId)).Concat(popularItems.Select(p => p.ItemId)))
        {
            if (_popularity.TryGetValue(item, out var p) && p.Value is { } value)
            {
                popularity[item] = value;
            }
        }

        return new ItemGraphRead(rowsRead, popularItems, popularity);
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

        // Stale, not gone: the next read answers from them and reads them again in the background.
        foreach (var (list, entry) in _popular)
        {
            _popular.TryUpdate(list, entry with { Until = 0 }, entry);
        }
    }

    /// <summary>The keys a read must wait for (never read, or stale past serving), and those it may answer from while they are read again.</summary>
    private (List<string> Missing, List<string> Stale) Sort<T>(ConcurrentDictionary<string, Timed<T>> cache, IEnumerable<string> keys, long now)
    {
        var (missing, stale) = (new List<string>(), new List<string>());
        var cacheFor = Ticks(options.Value.GraphCacheFor);
        // Nothing is served stale when nothing is cached (GraphCacheFor 0: every read goes to the shards).
        var serveStale = cacheFor == 0 ? 0 : Ticks(options.Value.GraphServeStaleFor);
        foreach (var key in keys)
        {
            if (!cache.TryGetValue(key, out var entry) || (entry.Until <= now && (serveStale == 0 || entry.Read + cacheFor + serveStale <= now)))
            {
                missing.Add(key);
            }
            else if (entry.Until <= now)
            {
                stale.Add(key);
            }
        }

        return (missing, stale);
    }

    /// <summary>Starts one background read of the stale entries no other refresh is reading already.</summary>
    private void Refresh(string firstKind, List<string> first, string secondKind, List<string> second, Func<List<string>, List<string>, Task> fetch)
    {
        var mine = (First: first.Where(k => _refreshing.TryAdd(firstKind + k, 0)).ToList(), Second: second.Where(k => _refreshing.TryAdd(secondKind + k, 0)).ToList());
        if (mine.First.Count == 0 && mine.Second.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _refreshes);
        _ = Task.Run(async () =>
        {
            try
            {
                await fetch(mine.First, mine.Second);
            }
            catch (Exception)
            {
                // The entries stay stale and the next read past GraphCacheFor tries again; past GraphServeStaleFor reads wait.
                Interlocked.Increment(ref _failedRefreshes);
            }
            finally
            {
                mine.First.ForEach(k => _refreshing.TryRemove(firstKind + k, out _));
                mine.Second.ForEach(k => _refreshing.TryRemove(secondKind + k, out _));
            }
        });
    }

    private async Task FetchRowsAndListsAsync(List<string> rows, List<string> lists)
    {
        var o = options.Value;
        var owned = rows.GroupBy(i => ItemGraphShard.ShardOf(i, o.Shards)).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g]);
        // A missing list needs every shard; missing rows only their owners.
        var shards = lists.Count > 0 ? Enumerable.Range(0, o.Shards) : owned.Keys;
        IReadOnlyList<string> wanted = [.. lists.Where(c => c != Overall)];
        var depth = lists.Count > 0 ? PopularDepth : 0;
        var answers = await Task.WhenAll(shards.Select(s =>
        {
            Interlocked.Increment(ref _calls);
            return grains.Reference<IItemGraphGrain>(s).GetRowsAsync(owned.GetValueOrDefault(s) ?? [], wanted, depth);
        }));
        var read = time.GetTimestamp();
        var until = read + Ticks(o.GraphCacheFor);
        var found = answers.SelectMany(a => a.Rows).ToDictionary(r => r.ItemId, StringComparer.Ordinal);
        foreach (var item in rows)
        {
            var row = found.GetValueOrDefault(item);
            _rows[item] = new Timed<ItemRow?>(row, until, read);
            _popularity[item] = new Timed<double?>(row?.Popularity, until, read);
        }

        if (lists.Count > 0)
        {
            // Each shard sent its strongest items overall and in each category: the strongest of all of them are the graph's.
            var popular = answers.SelectMany(a => a.Popular).DistinctBy(p => p.ItemId).ToList();
            foreach (var list in lists)
            {
                _popular[list] = new Timed<IReadOnlyList<PopularItem>>(
                    [.. popular.Where(p => list == Overall || p.Category == list).OrderByDescending(p => p.Popularity).ThenBy(p => p.ItemId, StringComparer.Ordinal).Take(PopularDepth)],
                    until,
                    read);
            }

            foreach (var p in popular)
            {
                _popularity[p.ItemId] = new Timed<double?>(p.Popularity, until, read);
            }
        }
    }

    private async Task FetchPopularityAsync(List<string> items)
    {
        var o = options.Value;
        var answers = await Task.WhenAll(items.GroupBy(n => ItemGraphShard.ShardOf(n, o.Shards)).Select(async g =>
        {
            Interlocked.Increment(ref _calls);
            return (Asked: g.ToList(), Found: await grains.Reference<IItemGraphGrain>(g.Key).GetPopularityAsync([.. g]));
        }));
        var read = time.GetTimestamp();
        var until = read + Ticks(o.GraphCacheFor);
        foreach (var (asked, found) in answers)
        {
            foreach (var item in asked)
            {
                _popularity[item] = new Timed<double?>(found.TryGetValue(item, out var value) ? value : null, until, read);
            }
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>A cached value, fresh until <see cref="Until"/>, read from the shards at <see cref="Read"/> (timestamps).</summary>
    private readonly record struct Timed<T>(T Value, long Until, long Read);
}
