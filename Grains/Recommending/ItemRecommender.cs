namespace Esrs.Recommending;

/// <summary>
/// Scores every item the model knows for one user's history:
/// <c>score(j) = Σᵢ wᵢ·sim(i, j) / Σᵢ wᵢ + RepeatWeight · w_j / maxᵢ wᵢ + PopularityWeight · pop(j) / max pop</c>,
/// where wᵢ is the user's interest in item i and sim the co-occurrence similarity (0..1, <see cref="IItemGraph.Neighbours"/>). Plain code: the gateway's
/// recommendations and the offline evaluation (<c>./esrs evaluate</c>) run the same class.
/// </summary>
public sealed class ItemRecommender
{
    private readonly IItemGraph _model;
    private readonly RecommendOptions _options;

    public ItemRecommender(IItemGraph model, RecommendOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        _model = model;
        _options = options;
    }

    /// <summary>
    /// Writes each known item's score into <paramref name="scores"/> (length ≥ the model's item count) and, in
    /// <paramref name="bestSource"/> when given, the index of the history item that contributed most through
    /// co-occurrence (-1: none). Items of the history the model does not know only count through repeat interest.
    /// </summary>
    public void ScoreAll(IEnumerable<(string ItemId, double Interest)> history, DateTime now, Span<double> scores, Span<int> bestSource = default) =>
        Score(history, now, scores, bestSource);

    /// <summary><see cref="ScoreAll"/>, returning the largest popularity it normalised by.</summary>
    private double Score(IEnumerable<(string ItemId, double Interest)> history, DateTime now, Span<double> scores, Span<int> bestSource)
    {
        ArgumentNullException.ThrowIfNull(history);
        var n = _model.Count;
        if (scores.Length < n)
        {
            throw new ArgumentException($"scores holds {scores.Length} items; the model has {n}", nameof(scores));
        }

        scores[..n].Clear();
        var track = bestSource.Length >= n;
        Span<double> bestContribution = track ? new double[n] : default;
        if (track)
        {
            bestSource[..n].Fill(-1);
        }

        var maxPopularity = 0.0;
        for (var j = 0; j < n; j++)
        {
            maxPopularity = Math.Max(maxPopularity, _model.Popularity(j, now));
        }

        var known = new List<(int Index, double Interest)>();
        var total = 0.0;
        var maxInterest = 0.0;
        foreach (var (item, interest) in history)
        {
            if (interest <= 0)
            {
                continue;
            }

            total += interest;
            maxInterest = Math.Max(maxInterest, interest);
            if (_model.TryGetIndex(item, out var index))
            {
                known.Add((index, interest));
            }
        }

        if (total > 0)
        {
            foreach (var (i, interest) in known)
            {
                var share = interest / total;
                foreach (var (j, similarity) in _model.Neighbours(i))
                {
                    var contribution = share * similarity;
                    scores[j] += contribution;
                    if (track && contribution > bestContribution[j])
                    {
                        bestContribution[j] = contribution;
                        bestSource[j] = i;
                    }
                }

                scores[i] += _options.RepeatWeight * interest / maxInterest;
            }
        }

        if (maxPopularity > 0 && _options.PopularityWeight > 0)
        {
            for (var j = 0; j < n; j++)
            {
                scores[j] += _options.PopularityWeight * _model.Popularity(j, now) / maxPopularity;
            }
        }

        return maxPopularity;
    }

    /// <summary>
    /// The <paramref name="k"/> best items for the history, best first, each with its strongest signals;
    /// <paramref name="exclude"/> removes items (non-products, items just cancelled) before the cut.
    /// <paramref name="inCategories"/>: popular items of the user's categories with the category's share of the user's
    /// category interest; each adds <c>CategoryWeight · share · pop / max pop</c>.
    /// </summary>
    public IReadOnlyList<RankedItem> Recommend(
        IReadOnlyCollection<(string ItemId, double Interest)> history,
        DateTime now,
        int k,
        Func<string, bool>? exclude = null,
        IReadOnlyList<(string ItemId, string Category, double Share)>? inCategories = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var n = _model.Count;
        var scores = new double[n];
        var sources = new int[n];
        var maxPopularity = Score(history, now, scores, sources);
        var interest = history.Where(h => h.Interest > 0).ToDictionary(h => h.ItemId, h => h.Interest, StringComparer.Ordinal);
        var total = interest.Values.Sum();
        var maxInterest = interest.Count == 0 ? 0 : interest.Values.Max();

        var categoryBoost = new Dictionary<int, (string Category, double Weight)>();
        if (inCategories is not null && maxPopularity > 0 && _options.CategoryWeight > 0)
        {
            foreach (var (itemId, category, share) in inCategories)
            {
                if (_model.TryGetIndex(itemId, out var j))
                {
                    var weight = _options.CategoryWeight * share * _model.Popularity(j, now) / maxPopularity;
                    scores[j] += weight;
                    if (!categoryBoost.TryGetValue(j, out var existing) || existing.Weight < weight)
                    {
                        categoryBoost[j] = (category, weight);
                    }
                }
            }
        }

        var top = Enumerable.Range(0, n)
            .Where(j => scores[j] > 0 && (exclude is null || !exclude(_model.ItemAt(j))))
            .OrderByDescending(j => scores[j]).ThenBy(j => j)
            .Take(k);
        var result = new List<RankedItem>(k);
        foreach (var j in top)
        {
            var item = _model.ItemAt(j);
            var because = new List<Because>(3);
            if (sources[j] >= 0)
            {
                var source = _model.ItemAt(sources[j]);
                because.Add(new Because("item", source, interest[source] / total * _model.Similarity(source, item)));
            }

            if (interest.TryGetValue(item, out var own))
            {
                because.Add(new Because("repeat", item, _options.RepeatWeight * own / maxInterest));
            }

            if (categoryBoost.TryGetValue(j, out var boost))
            {
                because.Add(new Because("category", boost.Category, boost.Weight));
            }

            if (maxPopularity > 0 && _options.PopularityWeight > 0)
            {
                because.Add(new Because("popular", item, _options.PopularityWeight * _model.Popularity(j, now) / maxPopularity));
            }

            result.Add(new RankedItem(item, scores[j], [.. because.OrderByDescending(b => b.Weight).Take(_options.MaxBecause)]));
        }

        return result;
    }
}
