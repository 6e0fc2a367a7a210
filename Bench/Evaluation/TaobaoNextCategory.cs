using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Recommending;

namespace Esrs.Bench.Evaluation;

/// <summary>NDCG@10 and HR@10 of next-category prediction on the Taobao slice at one dirt rate, raw and through Esrs.</summary>
public sealed record TaobaoResult(double Rate, int Users, int Categories, Interval RawNdcg10, Interval EsrsNdcg10, Interval RawHitRate10, Interval EsrsHitRate10, Interval PopularityNdcg10);

/// <summary>
/// The Taobao slice (2 h 10 min of clicks) as next-category prediction: for every user with at least two events, the
/// category of their last event is the target and everything else is training (leave-last-out); every category is
/// ranked by the same recommender over categories (an event's category stands for its item), trained on the raw events
/// and on what the user grains applied. The slice is clean (its README: no duplicates, no missing ids), so raw and
/// Esrs differ only once dirt is injected; histories are thin (most users have one or two events).
/// </summary>
public static class TaobaoNextCategory
{
    public static List<TaobaoResult> Run(string file, IReadOnlyList<double> rates, int seed, int resamples, RecommendOptions options, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(rates);
        List<UserEvent> events;
        using (var stream = File.OpenRead(file))
        {
            events = [.. TaobaoUserBehavior.ReadEvents(stream)];
        }

        // The last event of each user with two or more is the target; the rest, in file order, is training.
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            last[events[i].UserId] = i;
            count[events[i].UserId] = count.GetValueOrDefault(events[i].UserId) + 1;
        }

        var targets = last.Where(l => count[l.Key] >= 2).ToDictionary(l => l.Key, l => events[l.Value].CategoryPath!, StringComparer.Ordinal);
        var targetIndices = new HashSet<int>(last.Where(l => count[l.Key] >= 2).Select(l => l.Value));
        var train = events.Where((_, i) => !targetIndices.Contains(i)).ToList();
        var categories = events.Select(e => e.CategoryPath!).Distinct(StringComparer.Ordinal).ToArray();
        var index = categories.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var users = targets.Keys.Order(StringComparer.Ordinal).ToArray();

        var results = new List<TaobaoResult>();
        foreach (var rate in rates)
        {
            var dirt = new DirtInjector(seed, [.. events.Select(e => e.ItemId!).Distinct().Take(10_000)]).Inject(train, rate, now);
            var stream = DirtInjector.Interleave(train, dirt);
            var raw = Learners.Raw(stream.Select(ByCategory), options);
            var cleaned = Learners.FromCleaned(Learners.Clean(stream, now).Applied.Select(a => a with { Event = ByCategory(a.Event) }), options);
            var rawScores = Score(raw, users, targets, index, options, popularity: false);
            var esrsScores = Score(cleaned, users, targets, index, options, popularity: false);
            var popularScores = Score(cleaned, users, targets, index, options, popularity: true);
            results.Add(new TaobaoResult(
                rate, users.Length, categories.Length,
                Bootstrap.Mean([.. rawScores.Select(m => m.Ndcg10)], resamples, seed),
                Bootstrap.Mean([.. esrsScores.Select(m => m.Ndcg10)], resamples, seed),
                Bootstrap.Mean([.. rawScores.Select(m => m.HitRate10)], resamples, seed),
                Bootstrap.Mean([.. esrsScores.Select(m => m.HitRate10)], resamples, seed),
                Bootstrap.Mean([.. popularScores.Select(m => m.Ndcg10)], resamples, seed)));
        }

        return results;
    }

    /// <summary>The event with its category in the item's place (dirt without a category keeps its item: it cannot be placed).</summary>
    private static UserEvent ByCategory(UserEvent e) => e.CategoryPath is { } category ? e with { ItemId = category } : e;

    private static CustomerMetrics[] Score(LearnedModel learned, string[] users, Dictionary<string, string> targets, Dictionary<string, int> index, RecommendOptions options, bool popularity)
    {
        var recommender = new ItemRecommender(learned.Model, options);
        var n = index.Count;
        var toModel = new int[n];
        foreach (var (category, i) in index)
        {
            toModel[i] = learned.Model.TryGetIndex(category, out var m) ? m : -1;
        }

        var metrics = new CustomerMetrics[users.Length];
        var at = new DateTime(2017, 11, 26, 3, 10, 12, DateTimeKind.Utc);
        Parallel.For(0, users.Length, () => (Model: new double[learned.Model.Count], Ranked: new double[n]), (u, _, buffers) =>
        {
            if (popularity)
            {
                for (var m = 0; m < learned.Model.Count; m++)
                {
                    buffers.Model[m] = learned.Model.Popularity(m, at);
                }
            }
            else
            {
                var history = learned.Users.TryGetValue(users[u], out var h) ? h.Interest(at) : [];
                recommender.ScoreAll(history, at, buffers.Model);
            }

            for (var c = 0; c < n; c++)
            {
                buffers.Ranked[c] = toModel[c] >= 0 ? buffers.Model[toModel[c]] : 0;
            }

            metrics[u] = RankingMetrics.FromRanks(RankingMetrics.RanksOf(buffers.Ranked, [index[targets[users[u]]]]));
            return buffers;
        }, _ => { });
        return metrics;
    }
}
