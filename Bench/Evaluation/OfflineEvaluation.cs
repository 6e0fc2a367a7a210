using System.Diagnostics;
using Esrs.Cli;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Recommending;
using Esrs.Tagging;
using Esrs.Users;

namespace Esrs.Bench.Evaluation;

/// <summary>One system's metrics over the evaluated customers (means with 95 % bootstrap intervals).</summary>
public sealed record SystemResult(string System, string Target, int Customers, Interval HitRate10, Interval Ndcg10, Interval Recall20, Interval Mrr);

/// <summary>A paired comparison: the per-customer difference of NDCG@10 between two systems (a − b), with its bootstrap interval.</summary>
public sealed record PairedDifference(string A, string B, string Target, Interval Ndcg10Difference);

/// <summary>
/// NDCG@10 (all test purchases) of raw and Esrs-cleaned training with injected dirt of <paramref name="Kind"/> (null:
/// all kinds mixed) at <paramref name="Rate"/>, and what Esrs did with the stream.
/// </summary>
public sealed record DirtResult(string? Kind, double Rate, int DirtyEvents, Interval Raw, Interval Cleaned, long Duplicates, long Quarantined, long Applied);

/// <summary>The whole evaluation.</summary>
public sealed record EvaluationReport(
    int Rows,
    int TrainEvents,
    int Products,
    int Customers,
    int Seed,
    int Resamples,
    long CleanedApplied,
    long CleanedDuplicates,
    long CleanedQuarantined,
    IReadOnlyList<SystemResult> Systems,
    IReadOnlyList<PairedDifference> Differences,
    IReadOnlyList<DirtResult> Dirt,
    IReadOnlyList<DirtResult> DirtByKind,
    double Seconds,
    IReadOnlyList<TaobaoResult>? Taobao = null,
    TagSummary? Tags = null,
    double RankBlend = 0);

/// <summary>
/// <c>./esrs evaluate</c>: the UCI Online Retail recommendation benchmark. Trains the recommender on the raw rows and on
/// Esrs's cleaned stream (the user grains' code, in process), ranks every product for every test customer, and scores
/// the ranking against the customer's purchases after the cutoff (<see cref="UciSplit"/>); then injects seeded dirt into
/// the cleaned training stream (<see cref="DirtInjector"/>) and measures how each pipeline holds up.
/// Two more systems show what a frontend does per request: the cleaned recommender's scores for every product re-ranked
/// by the customer's live profile (<see cref="CandidateRanker"/>, the rank endpoint's code, the engine's share
/// <c>rankBlend</c>), without tags and, given a tagger, with the attributes it tags in the titles the customer's events
/// named (<see cref="ProfileTags"/>).
/// </summary>
public sealed class OfflineEvaluation(
    RecommendOptions options, int seed, int resamples, IReadOnlyList<double> rates, double kindRate, TextWriter progress,
    ITagModel? tagger = null, double minTagScore = 0.5, double rankBlend = 0.5)
{
    private int _step;
    private int _steps;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public EvaluationReport Run(string file, int? limit, string? taobaoFile = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var kinds = kindRate > 0 ? Enum.GetValues<DirtKind>() : [];
        _steps = 6 + (tagger is null ? 0 : 2) + (2 * rates.Count) + kinds.Length + (taobaoFile is null ? 0 : 1);
        Step("reading UCI Online Retail");
        var split = UciSplit.Read(UciOnlineRetail.ReadRows(file, limit));
        if (split.Customers.Count == 0)
        {
            throw new UsageException($"no customer of the {split.Rows.Count:N0} rows read has purchases on both sides of {UciSplit.CutoffLocal:yyyy-MM-dd}; read more rows");
        }

        var train = split.Rows.Where(UciSplit.IsTrain).Select(UciOnlineRetail.ToEvent).ToList();
        var now = DateTime.UtcNow;

        Step($"raw: {train.Count:N0} training rows applied as written");
        var raw = Learners.Raw(train, options);

        Step("Esrs: the same rows through the user grains' cleaning");
        var cleaning = Learners.Clean(train, now, keepGrains: true);
        var cleaned = Learners.FromCleaned(cleaning.Applied, options);

        Step($"ranking {split.Products.Length:N0} products for {split.Customers.Count:N0} customers");
        var systems = new List<SystemResult>();
        var differences = new List<PairedDifference>();
        var esrsNdcgs = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var target in new[] { "all", "new" })
        {
            var (popularity, popularityNdcg) = Score("popularity", target, split, cleaned, popularityOnly: true);
            var (rawResult, rawNdcg) = Score("raw", target, split, raw, popularityOnly: false);
            var (esrsResult, esrsNdcg) = Score("esrs", target, split, cleaned, popularityOnly: false);
            systems.AddRange([popularity, rawResult, esrsResult]);
            esrsNdcgs[target] = esrsNdcg;
            differences.Add(Difference("esrs", esrsNdcg, "raw", rawNdcg, target));
            differences.Add(Difference("esrs", esrsNdcg, "popularity", popularityNdcg, target));
        }

        // Per request: the cleaned recommender's scores re-ranked by each customer's profile, then the same with tags.
        var titles = Titles(split, cleaning.Applied);
        var grains = cleaning.Grains!;
        var rankedNdcg = new Dictionary<string, double[]>(StringComparer.Ordinal);
        Step($"re-ranking by the customers' profiles ({rankBlend:0.##} engine)");
        foreach (var target in new[] { "all", "new" })
        {
            var (ranked, ndcg) = ScoreRanked("esrs+rank", target, split, cleaned, grains, titles);
            systems.Add(ranked);
            rankedNdcg[target] = ndcg;
            differences.Add(Difference("esrs+rank", ndcg, "esrs", esrsNdcgs[target], target));
        }

        TagSummary? tags = null;
        if (tagger is not null)
        {
            Step($"tagging the titles the customers' events named ({tagger.Version})");
            tags = ProfileTags.Apply(cleaning, tagger, minTagScore);
            Step("re-ranking by the profiles with tags");
            foreach (var target in new[] { "all", "new" })
            {
                var (withTags, ndcg) = ScoreRanked("esrs+rank+tags", target, split, cleaned, grains, titles);
                systems.Add(withTags);
                differences.Add(Difference("esrs+rank+tags", ndcg, "esrs+rank", rankedNdcg[target], target));
            }
        }

        var products = split.Products;
        var cleanStream = cleaning.Applied.Select(a => a.Event).ToList();
        var dirt = new List<DirtResult>();
        foreach (var rate in rates)
        {
            dirt.Add(Dirty(split, cleanStream, null, rate, now));
        }

        var byKind = new List<DirtResult>();
        foreach (var kind in kinds)
        {
            byKind.Add(Dirty(split, cleanStream, kind, kindRate, now));
        }

        List<TaobaoResult>? taobao = null;
        if (taobaoFile is not null)
        {
            Step("Taobao slice: next category, raw and Esrs, at each dirt rate");
            taobao = TaobaoNextCategory.Run(taobaoFile, rates, seed, resamples, options, now);
        }

        Step("done");
        return new EvaluationReport(
            split.Rows.Count, train.Count, split.Products.Length, split.Customers.Count, seed, resamples,
            cleaning.Applied.Count, cleaning.Duplicates, cleaning.Quarantined, systems, differences, dirt, byKind, _clock.Elapsed.TotalSeconds, taobao, tags, rankBlend);
    }

    /// <summary>Each product's title as the cleaned stream last named it (null when no applied event did).</summary>
    private static string?[] Titles(UciSplit split, List<AppliedEvent> applied)
    {
        var titles = new string?[split.Products.Length];
        foreach (var (e, _) in applied)
        {
            if (e.ItemId is { } item && e.ItemTitle is { Length: > 0 } title && split.ProductIndex.TryGetValue(item, out var u))
            {
                titles[u] = title;
            }
        }

        return titles;
    }

    /// <summary>
    /// Every product ranked for every test customer as the rank endpoint would rank them: the cleaned recommender's score of
    /// each product is the engine's score, the customer's profile (as cleaning left it, with any tags applied since) re-ranks.
    /// </summary>
    private (SystemResult Result, double[] Ndcg10) ScoreRanked(
        string system, string target, UciSplit split, LearnedModel learned, IReadOnlyDictionary<string, (UserEventProcessor Processor, List<TagRequest> TagRequests)> grains, string?[] titles)
    {
        var recommender = new ItemRecommender(learned.Model, options);
        var ranker = new CandidateRanker(new RankOptions());
        var n = split.Products.Length;
        var toModel = ModelIndices(split, learned);
        var metrics = new CustomerMetrics?[split.Customers.Count];
        Parallel.For(0, split.Customers.Count, () => (Model: new double[learned.Model.Count], Ranked: new double[n], Excluded: new bool[n], Candidates: new RankCandidate[n]), (c, _, buffers) =>
        {
            var customer = split.Customers[c];
            var history = learned.Users.TryGetValue(customer.CustomerId, out var h) ? h.Interest(UciSplit.CutoffUtc) : [];
            recommender.ScoreAll(history, UciSplit.CutoffUtc, buffers.Model);
            for (var u = 0; u < n; u++)
            {
                buffers.Candidates[u] = new RankCandidate { ItemId = split.Products[u], Title = titles[u], Score = toModel[u] >= 0 ? buffers.Model[toModel[u]] : 0 };
            }

            var profile = grains.TryGetValue(customer.CustomerId, out var grain) ? grain.Processor.State.Profile : new Profiles.ProfileState();
            var ranked = ranker.Rank(profile, buffers.Candidates, rankBlend).Items;
            for (var r = 0; r < ranked.Count; r++)
            {
                buffers.Ranked[split.ProductIndex[ranked[r].ItemId]] = n - r;
            }

            metrics[c] = Measure(customer, target, buffers.Ranked, buffers.Excluded);
            return buffers;
        }, _ => { });

        return Summarise(system, target, metrics);
    }

    private static int[] ModelIndices(UciSplit split, LearnedModel learned)
    {
        var toModel = new int[split.Products.Length];
        for (var u = 0; u < toModel.Length; u++)
        {
            toModel[u] = learned.Model.TryGetIndex(split.Products[u], out var m) ? m : -1;
        }

        return toModel;
    }

    /// <summary>The customer's metrics for a ranking of every product (higher ranked first); null when the target has nothing to find.</summary>
    private static CustomerMetrics? Measure(TestCustomer customer, string target, double[] ranked, bool[] excluded)
    {
        int[] relevant;
        Array.Clear(excluded);
        if (target == "new")
        {
            // Items new to the customer: what they had bought is neither relevant nor ranked.
            relevant = [.. customer.TestItems.Where(i => !customer.TrainItems.Contains(i))];
            foreach (var i in customer.TrainItems)
            {
                excluded[i] = true;
            }
        }
        else
        {
            relevant = customer.TestItems;
        }

        return relevant.Length > 0 ? RankingMetrics.FromRanks(RankingMetrics.RanksOf(ranked, relevant, excluded)) : null;
    }

    private (SystemResult Result, double[] Ndcg10) Summarise(string system, string target, CustomerMetrics?[] metrics)
    {
        var values = metrics.Where(m => m.HasValue).Select(m => m!.Value).ToList();
        var result = new SystemResult(
            system,
            target,
            values.Count,
            Bootstrap.Mean([.. values.Select(v => v.HitRate10)], resamples, seed),
            Bootstrap.Mean([.. values.Select(v => v.Ndcg10)], resamples, seed),
            Bootstrap.Mean([.. values.Select(v => v.Recall20)], resamples, seed),
            Bootstrap.Mean([.. values.Select(v => v.ReciprocalRank)], resamples, seed));
        return (result, [.. metrics.Select(m => m?.Ndcg10 ?? double.NaN)]);
    }

    private DirtResult Dirty(UciSplit split, List<UserEvent> cleanStream, DirtKind? kind, double rate, DateTime now)
    {
        var name = kind?.ToString() ?? "mixed";
        var injected = new DirtInjector(seed, split.Products, kind is { } k ? [k] : null).Inject(cleanStream, rate, now);
        var stream = DirtInjector.Interleave(cleanStream, injected);
        if (kind is null)
        {
            Step($"{rate:P0} {name} dirt: raw");
        }

        var (rawDirty, _) = Score("raw", "all", split, Learners.Raw(stream, options), popularityOnly: false);
        Step(kind is null ? $"{rate:P0} {name} dirt: Esrs" : $"{rate:P0} {name} dirt: raw and Esrs");
        var again = Learners.Clean(stream, now);
        var (esrsDirty, _) = Score("esrs", "all", split, Learners.FromCleaned(again.Applied, options), popularityOnly: false);
        return new DirtResult(kind?.ToString(), rate, injected.Count, rawDirty.Ndcg10, esrsDirty.Ndcg10, again.Duplicates, again.Quarantined, again.Applied.Count);
    }

    private PairedDifference Difference(string a, double[] ndcgA, string b, double[] ndcgB, string target)
    {
        var pairs = new List<double>(ndcgA.Length);
        for (var c = 0; c < ndcgA.Length; c++)
        {
            if (!double.IsNaN(ndcgA[c]) && !double.IsNaN(ndcgB[c]))
            {
                pairs.Add(ndcgA[c] - ndcgB[c]);
            }
        }

        return new PairedDifference(a, b, target, Bootstrap.Mean(pairs, resamples, seed));
    }

    private (SystemResult Result, double[] Ndcg10) Score(string system, string target, UciSplit split, LearnedModel learned, bool popularityOnly)
    {
        var recommender = new ItemRecommender(learned.Model, options);
        var n = split.Products.Length;
        var toModel = ModelIndices(split, learned);
        var metrics = new CustomerMetrics?[split.Customers.Count];
        Parallel.For(0, split.Customers.Count, () => (Model: new double[learned.Model.Count], Ranked: new double[n], Excluded: new bool[n]), (c, _, buffers) =>
        {
            var customer = split.Customers[c];
            if (popularityOnly)
            {
                for (var m = 0; m < learned.Model.Count; m++)
                {
                    buffers.Model[m] = learned.Model.Popularity(m, UciSplit.CutoffUtc);
                }
            }
            else
            {
                var history = learned.Users.TryGetValue(customer.CustomerId, out var h) ? h.Interest(UciSplit.CutoffUtc) : [];
                recommender.ScoreAll(history, UciSplit.CutoffUtc, buffers.Model);
            }

            for (var u = 0; u < n; u++)
            {
                buffers.Ranked[u] = toModel[u] >= 0 ? buffers.Model[toModel[u]] : 0;
            }

            metrics[c] = Measure(customer, target, buffers.Ranked, buffers.Excluded);
            return buffers;
        }, _ => { });

        return Summarise(system, target, metrics);
    }

    private void Step(string what)
    {
        _step++;
        const int width = 24;
        var done = (int)Math.Round(width * (double)(_step - 1) / _steps);
        progress.WriteLine($"evaluate: [{new string('#', done)}{new string('.', width - done)}] {_step}/{_steps} {_clock.Elapsed.TotalSeconds,5:0}s {what}");
    }
}
