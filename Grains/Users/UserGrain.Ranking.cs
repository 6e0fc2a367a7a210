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

        if (Canonical is { } canonical)
        {
            return canonical.RankAsync(candidates, blend);
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(new CandidateRanker(options).Rank(state.State.Profile, candidates, blend));
    }

    public Task<Utf8Json> RankJsonAsync(Utf8Json request)
    {
        ThrowIfUnusable();
        if (Canonical is { } canonical)
        {
            return canonical.RankJsonAsync(request);
        }

        var read = RankJson.Read(request.Bytes.Span, materialize: true, out var refusal);
        if (refusal is not null)
        {
            throw new ArgumentException($"{refusal.Rule}: {refusal.Detail}", nameof(request));
        }

        var options = rankOptions.Value;
        if (read.Count > options.MaxCandidates)
        {
            throw new ArgumentException($"between 1 and {options.MaxCandidates} candidates, not {read.Count}", nameof(request));
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(new Utf8Json(RankJson.Write(new CandidateRanker(options).Rank(state.State.Profile, read.Candidates!, read.Blend))));
    }

    private (int K, DateTime Until, RankResult Result)? _recommended;

    private (RankResult Result, Utf8Json Json)? _recommendedJson;

    public async Task<Utf8Json> RecommendJsonAsync(int k)
    {
        ThrowIfUnusable();
        if (Canonical is { } canonical)
        {
            return await canonical.RecommendJsonAsync(k);
        }

        // The answer is cached for RecommendOptions.CacheFor; so is its rendering.
        var result = await RecommendAsync(k);
        if (_recommendedJson is { } rendered && ReferenceEquals(rendered.Result, result))
        {
            return rendered.Json;
        }

        var json = new Utf8Json(RankJson.Write(result));
        _recommendedJson = (result, json);
        return json;
    }

    public async Task<RankResult> RecommendAsync(int k)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxRecommendations);
        if (Canonical is { } canonical)
        {
            return await canonical.RecommendAsync(k);
        }

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

        // The graph as this silo's cache has it: no grain call when the user's items, categories and neighbours are cached.
        var read = await graph.ReadAsync([.. history.Select(h => h.Key)], [.. categories.Select(c => c.Key)]);
        var rows = read.Rows;
        var popular = read.Popular;
        var popularity = new Dictionary<string, double>(read.Popularity, StringComparer.Ordinal);
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
