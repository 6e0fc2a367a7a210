using Esrs.Tagging.Data;

namespace Esrs.Tagging.Evaluation;

/// <summary>
/// Whether one setting of the tagger beats another on a set of titles, with the seeds of each pooled: every title's
/// strict-span true positives, false positives and misses are summed over a setting's models, both settings' micro F1
/// come from those sums, and a paired bootstrap over the titles (the same resampled titles for both) gives a 95 %
/// interval of the difference. Titles are the unit because a title's spans are not independent of each other.
/// </summary>
public sealed class PairedComparison
{
    private readonly int[] _a;
    private readonly int[] _b;

    private PairedComparison(int titles)
    {
        Titles = titles;
        _a = new int[titles * 3];
        _b = new int[titles * 3];
    }

    public int Titles { get; }

    /// <summary>An empty comparison of <paramref name="titles"/> titles; add each model's predictions with <see cref="AddA"/> and <see cref="AddB"/>.</summary>
    public static PairedComparison For(int titles) =>
        titles > 0 ? new PairedComparison(titles) : throw new ArgumentOutOfRangeException(nameof(titles), titles, "A comparison needs at least one title.");

    /// <summary>Adds one model of setting A: its predictions for every title, in title order (only spans <paramref name="keep"/> accepts, when given).</summary>
    public void AddA(IReadOnlyList<IReadOnlyList<LabeledSpan>> gold, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted, Func<LabeledSpan, bool>? keep = null) =>
        Add(_a, gold, predicted, keep);

    /// <summary>Adds one model of setting B, as <see cref="AddA"/>.</summary>
    public void AddB(IReadOnlyList<IReadOnlyList<LabeledSpan>> gold, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted, Func<LabeledSpan, bool>? keep = null) =>
        Add(_b, gold, predicted, keep);

    private void Add(int[] counts, IReadOnlyList<IReadOnlyList<LabeledSpan>> gold, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted, Func<LabeledSpan, bool>? keep)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != Titles || predicted.Count != Titles)
        {
            throw new ArgumentException($"Expected gold and predictions for {Titles} titles, got {gold.Count} and {predicted.Count}.", nameof(predicted));
        }

        for (var i = 0; i < Titles; i++)
        {
            var goldSet = gold[i].Where(s => keep is null || keep(s)).ToHashSet();
            var predictedSet = predicted[i].Where(s => keep is null || keep(s)).ToHashSet();
            var hits = predictedSet.Count(goldSet.Contains);
            counts[3 * i] += hits;
            counts[(3 * i) + 1] += predictedSet.Count - hits;
            counts[(3 * i) + 2] += goldSet.Count - hits;
        }
    }

    /// <summary>Pooled micro F1 of A and of B, A − B, and the 2.5th and 97.5th percentiles of A − B over <paramref name="resamples"/> resamples of the titles.</summary>
    public (double A, double B, double Difference, double Low, double High) Compare(int resamples = 1000, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var all = new int[Titles];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        var (a, b) = (F1(_a, all), F1(_b, all));
        var random = new Random(seed);
        var differences = new double[resamples];
        var drawn = new int[Titles];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < drawn.Length; i++)
            {
                drawn[i] = random.Next(Titles);
            }

            differences[r] = F1(_a, drawn) - F1(_b, drawn);
        }

        Array.Sort(differences);
        return (a, b, a - b, differences[(int)(0.025 * resamples)], differences[Math.Min(resamples - 1, (int)(0.975 * resamples))]);
    }

    private static double F1(int[] counts, int[] titles)
    {
        long tp = 0, fp = 0, fn = 0;
        foreach (var i in titles)
        {
            tp += counts[3 * i];
            fp += counts[(3 * i) + 1];
            fn += counts[(3 * i) + 2];
        }

        return tp == 0 ? 0 : 2.0 * tp / ((2.0 * tp) + fp + fn);
    }
}
