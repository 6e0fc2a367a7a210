using Esrs.Bench.Evaluation;

namespace Esrs.Tests.Recommending;

/// <summary>The ranking metrics on cases computed by hand (binary relevance, ties broken by index).</summary>
public sealed class RankingMetricsTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void RanksCountHigherScoresAndEqualScoresAtLowerIndices()
    {
        // Item 2 (0.5): beaten by item 0 only -> rank 2. Item 3 (0.5): by item 0 and by item 2 (equal, lower index) -> rank 3.
        var ranks = RankingMetrics.RanksOf([0.9, 0.1, 0.5, 0.5, 0.3], [3, 2]);

        Assert.Equal([2, 3], ranks);
    }

    [Fact]
    public void ExcludedItemsAreNotRanked()
    {
        var ranks = RankingMetrics.RanksOf([0.9, 0.1, 0.5, 0.5, 0.3], [2, 3], [true, false, false, false, false]);

        Assert.Equal([1, 2], ranks);
    }

    [Fact]
    public void MetricsOfHitsAtTwoAndThree()
    {
        var m = RankingMetrics.FromRanks([2, 3]);

        // DCG = 1/log2(3) + 1/log2(4) = 0.6309298 + 0.5; ideal DCG = 1 + 0.6309298.
        Assert.Equal(1, m.HitRate10);
        Assert.Equal(1.1309297535714575 / 1.6309297535714575, m.Ndcg10, Tolerance);
        Assert.Equal(1, m.Recall20);
        Assert.Equal(0.5, m.ReciprocalRank, Tolerance);
    }

    [Fact]
    public void NothingInTheTopTenScoresZeroButRecallAtTwentyAndTheReciprocalRankStillCount()
    {
        var m = RankingMetrics.FromRanks([11, 25]);

        Assert.Equal(0, m.HitRate10);
        Assert.Equal(0, m.Ndcg10);
        Assert.Equal(0.5, m.Recall20, Tolerance);
        Assert.Equal(1.0 / 11, m.ReciprocalRank, Tolerance);
    }

    [Fact]
    public void IdealDcgStopsAtTenRelevantItems()
    {
        // Twelve relevant items at ranks 1..12: the top ten are a perfect top ten.
        var m = RankingMetrics.FromRanks([.. Enumerable.Range(1, 12)]);

        Assert.Equal(1, m.Ndcg10, Tolerance);
        Assert.Equal(1, m.Recall20, Tolerance);
    }

    [Fact]
    public void TheBootstrapIntervalOfAConstantIsThePointAndOfACoinIsNearItsNormalInterval()
    {
        var constant = Bootstrap.Mean([.. Enumerable.Repeat(0.25, 50)], 500, seed: 1);
        Assert.Equal(new Interval(0.25, 0.25, 0.25), constant);

        // 400 values, half 0 and half 1: mean 0.5, standard error sqrt(0.25 / 400) = 0.025, so about 0.5 ± 0.049.
        var coin = Bootstrap.Mean([.. Enumerable.Range(0, 400).Select(i => (double)(i % 2))], 2000, seed: 7);
        Assert.Equal(0.5, coin.Mean, Tolerance);
        Assert.InRange(coin.Low, 0.440, 0.462);
        Assert.InRange(coin.High, 0.538, 0.560);
    }
}
