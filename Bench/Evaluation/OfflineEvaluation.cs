using System.Diagnostics;
using Esrs.Cli;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Recommending;

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
    IReadOnlyList<TaobaoResult>? Taobao = null);

/// <summary>
/// <c>./esrs evaluate</c>: the UCI Online Retail recommendation benchmark. Trains the recommender on the raw rows and on
/// Esrs's cleaned stream (the user grains' code, in process), ranks every product for every test customer, and scores
/// the ranking against the customer's purchases after the cutoff (<see cref="UciSplit"/>); then injects seeded dirt into
/// the cleaned training stream (<see cref="DirtInjector"/>) and measures how each pipeline holds up.
/// </summary>
public sealed class OfflineEvaluation(RecommendOptions options, int seed, int resamples, IReadOnlyList<double> rates, double kindRate, TextWriter progress)
{
    private int _step;
    private int _steps;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public EvaluationReport Run(string file, int? limit, string? taobaoFile = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        var kinds = kindRate > 0 ? Enum.GetValues<DirtKind>() : [];
        _steps = 5 + (2 * rates.Count) + kinds.Length + (taobaoFile is null ? 0 : 1);
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
        var cleaning = Learners.Clean(train, now);
        var cleaned = Learners.FromCleaned(cleaning.Applied, options);

        Step($"ranking {split.Products.Length:N0} products for {split.Customers.Count:N0} customers");
        var systems = new List<SystemResult>();
        var differences = new List<PairedDifference>();
        foreach (var target in new[] { "all", "new" })
        {
            var (popularity, popularityNdcg) = Score("popularity", target, split, cleaned, popularityOnly: true);
            var (rawResult, rawNdcg) = Score("raw", target, split, raw, popularityOnly: false);
            var (esrsResult, esrsNdcg) = Score("esrs", target, split, cleaned, popularityOnly: false);
            systems.AddRange([popularity, rawResult, esrsResult]);
            differences.Add(Difference("esrs", esrsNdcg, "raw", rawNdcg, target));
            differences.Add(Difference("esrs", esrsNdcg, "popularity", popularityNdcg, target));
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
            cleaning.Applied.Count, cleaning.Duplicates, cleaning.Quarantined, systems, differences, dirt, byKind, _clock.Elapsed.TotalSeconds, taobao);
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
        var toModel = new int[n];
        for (var u = 0; u < n; u++)
        {
            toModel[u] = learned.Model.TryGetIndex(split.Products[u], out var m) ? m : -1;
        }

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

            int[] relevant;
            Array.Clear(buffers.Excluded);
            if (target == "new")
            {
                // Items new to the customer: what they had bought is neither relevant nor ranked.
                relevant = [.. customer.TestItems.Where(i => !customer.TrainItems.Contains(i))];
                foreach (var i in customer.TrainItems)
                {
                    buffers.Excluded[i] = true;
                }
            }
            else
            {
                relevant = customer.TestItems;
            }

            if (relevant.Length > 0)
            {
                metrics[c] = RankingMetrics.FromRanks(RankingMetrics.RanksOf(buffers.Ranked, relevant, buffers.Excluded));
            }

            return buffers;
        }, _ => { });

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

    private void Step(string what)
    {
        _step++;
        const int width = 24;
        var done = (int)Math.Round(width * (double)(_step - 1) / _steps);
        progress.WriteLine($"evaluate: [{new string('#', done)}{new string('.', width - done)}] {_step}/{_steps} {_clock.Elapsed.TotalSeconds,5:0}s {what}");
    }
}
