using Esrs.Recommending;

namespace Esrs.Users;

public sealed partial class UserGrain
{
    /// <summary>Most recommendations one call returns.</summary>
    public const int MaxRecommendations = 100;

    public Task<RankResult> RankAsync(IReadOnlyList<RankCandidate> candidates, double blend)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(candidates);
        var options = rankOptions.Value;
        if (candidates.Count == 0 || candidates.Count > options.MaxCandidates)
        {
            throw new ArgumentException($"between 1 and {options.MaxCandidates} candidates, not {candidates.Count}", nameof(candidates));
        }

        if (!double.IsFinite(blend) || blend is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(blend), blend, "blend is a number from 0 to 1");
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(new CandidateRanker(options).Rank(state.State.Profile, candidates, blend));
    }

    private (int K, DateTime Until, RankResult Result)? _recommended;

    public async Task<RankResult> RecommendAsync(int k)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxRecommendations);
        if (ApplyArrivedTags())
        {
            _dirty = true;
            _recommended = null;
        }

        var options = recommendOptions.Value;
        if (_recommended is { } cached && cached.K == k && Now < cached.Until)
        {
            return cached.Result;
        }

        var profile = state.State.Profile;
        var history = profile.Items.Where(i => i.Value > 0).OrderByDescending(i => i.Value).ThenBy(i => i.Key, StringComparer.Ordinal)
            .Take(options.HistoryItems).Select(i => (i.Key, i.Value)).ToList();
        var categories = profile.Categories.Where(c => c.Value > 0).OrderByDescending(c => c.Value).Take(3).ToList();
        var categoryTotal = categories.Sum(c => c.Value);

        // Round one: every shard's rows of the user's items it owns and its popular items; round two: the popularity of
        // the neighbours no row of round one carried (their similarity needs it).
        var shards = options.Shards;
        var owned = history.GroupBy(h => ItemGraphShard.ShardOf(h.Key, shards)).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(h => h.Key)]);
        IReadOnlyList<string> wantedCategories = [.. categories.Select(c => c.Key)];
        var answers = await Task.WhenAll(Enumerable.Range(0, shards).Select(s =>
            GrainFactory.GetGrain<IItemGraphGrain>(s).GetRowsAsync(owned.GetValueOrDefault(s) ?? [], wantedCategories, k)));
        var rows = answers.SelectMany(a => a.Rows).ToList();
        var popular = answers.SelectMany(a => a.Popular).DistinctBy(p => p.ItemId).ToList();
        var popularity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in popular)
        {
            popularity[p.ItemId] = p.Popularity;
        }

        foreach (var row in rows)
        {
            popularity[row.ItemId] = row.Popularity;
        }

        var missing = rows.SelectMany(r => r.Neighbours.Keys).Where(i => !popularity.ContainsKey(i)).Distinct(StringComparer.Ordinal)
            .GroupBy(i => ItemGraphShard.ShardOf(i, shards)).ToList();
        foreach (var found in await Task.WhenAll(missing.Select(g => GrainFactory.GetGrain<IItemGraphGrain>(g.Key).GetPopularityAsync([.. g]))))
        {
            foreach (var (item, value) in found)
            {
                popularity[item] = value;
            }
        }

        foreach (var (item, _) in history)
        {
            // Items the graph has not heard of yet (the feed sends every second) still count as the user's repeat interest.
            popularity.TryAdd(item, 0);
        }

        var slice = new ItemGraphSlice(rows, popularity, options);
        var cancelled = new HashSet<string>(profile.Cancelled, StringComparer.Ordinal);
        var inCategories = popular.Where(p => p.Category is not null && categories.Any(c => c.Key == p.Category))
            .Select(p => (p.ItemId, p.Category!, categories.First(c => c.Key == p.Category).Value / categoryTotal)).ToList();
        var items = new ItemRecommender(slice, options).Recommend(history, Now, k, cancelled.Contains, inCategories);
        var result = new RankResult(history.Count > 0, items);
        _recommended = options.CacheFor > TimeSpan.Zero ? (k, Now + options.CacheFor, result) : null;
        return result;
    }
}
