namespace Esrs.Bench.Evaluation;

/// <summary>One customer's ranking quality: hit rate and NDCG at 10, recall at 20, reciprocal rank of the first hit.</summary>
public readonly record struct CustomerMetrics(double HitRate10, double Ndcg10, double Recall20, double ReciprocalRank);

/// <summary>
/// Full-ranking metrics with binary relevance. A relevant item's rank is 1 + the number of ranked items that score
/// higher, or equal with a lower index (ties break by index, the same for every system, never in a system's favour
/// by construction). Items marked excluded are not ranked at all.
/// </summary>
public static class RankingMetrics
{
    /// <summary>1-based ranks of <paramref name="relevant"/> among the items not <paramref name="excluded"/>, ascending.</summary>
    public static int[] RanksOf(ReadOnlySpan<double> scores, IReadOnlyCollection<int> relevant, ReadOnlySpan<bool> excluded = default)
    {
        ArgumentNullException.ThrowIfNull(relevant);
        var ranks = new int[relevant.Count];
        var r = 0;
        foreach (var item in relevant)
        {
            var score = scores[item];
            var rank = 1;
            for (var j = 0; j < scores.Length; j++)
            {
                if (j == item || (excluded.Length > 0 && excluded[j]))
                {
                    continue;
                }

                if (scores[j] > score || (scores[j] == score && j < item))
                {
                    rank++;
                }
            }

            ranks[r++] = rank;
        }

        Array.Sort(ranks);
        return ranks;
    }

    /// <summary>The metrics of one customer from the ascending ranks of their relevant items.</summary>
    public static CustomerMetrics FromRanks(IReadOnlyList<int> ranks)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        if (ranks.Count == 0)
        {
            throw new ArgumentException("a customer without relevant items has no metrics", nameof(ranks));
        }

        var dcg = 0.0;
        var hits10 = 0;
        var hits20 = 0;
        foreach (var rank in ranks)
        {
            if (rank <= 10)
            {
                hits10++;
                dcg += 1 / Math.Log2(rank + 1);
            }

            if (rank <= 20)
            {
                hits20++;
            }
        }

        var ideal = 0.0;
        for (var i = 1; i <= Math.Min(ranks.Count, 10); i++)
        {
            ideal += 1 / Math.Log2(i + 1);
        }

        return new CustomerMetrics(
            HitRate10: hits10 > 0 ? 1 : 0,
            Ndcg10: dcg / ideal,
            Recall20: (double)hits20 / ranks.Count,
            ReciprocalRank: 1.0 / ranks.Min());
    }
}
