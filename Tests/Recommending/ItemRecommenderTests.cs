using Esrs.Recommending;

namespace Esrs.Tests.Recommending;

/// <summary>Co-occurrence, decay, pruning and the recommender's mix on interactions small enough to follow by hand.</summary>
public sealed class ItemRecommenderTests
{
    private static readonly DateTime Epoch = new(2011, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void SimilarityIsTheCoOccurrenceOverTheGeometricMeanOfPopularity()
    {
        var model = Learn(new RecommendOptions());

        // pop x = 2, y = 2, z = 1; co(x, y) = 1 (A) + 1 (B buys y after x) = 2; co(x, z) = 1; co(y, z) = 1.
        Assert.Equal(2 / Math.Sqrt(2 * 2), model.Similarity("x", "y"), 9);
        Assert.Equal(1 / Math.Sqrt(2 * 1), model.Similarity("x", "z"), 9);
        Assert.Equal(1 / Math.Sqrt(2 * 1), model.Similarity("z", "y"), 9);
        Assert.Equal(0, model.Similarity("x", "unknown"));
    }

    [Fact]
    public void APairBoughtLongAfterTheItemsOwnPurchasesHasASimilarityOfAtMostOne()
    {
        var options = new RecommendOptions { HalfLife = TimeSpan.FromDays(30) };
        var model = new ItemCoOccurrence(options, Epoch);
        model.Observe("old", [], Epoch, 1);
        model.Observe("new", ["old"], Epoch.AddDays(365), 1);

        // Uncapped: co = b, pop(old) = 1, pop(new) = b with b = 2^(365/30), so b / √b = √b ≈ 68.
        Assert.Equal(1, model.Similarity("old", "new"), 9);
        Assert.True(model.TryGetIndex("old", out var old));
        Assert.Equal(1, model.Neighbours(old).Single().Similarity, 9);
    }

    [Fact]
    public void AnInteractionOneHalfLifeLaterWeighsTwiceTheEarlierOne()
    {
        var options = new RecommendOptions { HalfLife = TimeSpan.FromDays(10) };
        var model = new ItemCoOccurrence(options, Epoch);
        model.Observe("x", [], Epoch, 1);
        model.Observe("x", [], Epoch.AddDays(10), 1);

        Assert.True(model.TryGetIndex("x", out var x));
        Assert.Equal(0.5 + 1, model.Popularity(x, Epoch.AddDays(10)), 9);
        Assert.Equal((0.5 + 1) / 2, model.Popularity(x, Epoch.AddDays(20)), 9);
    }

    [Fact]
    public void EachItemKeepsOnlyItsStrongestNeighbours()
    {
        var model = new ItemCoOccurrence(new RecommendOptions { NeighboursPerItem = 1 }, Epoch);
        foreach (var item in new[] { "b", "c", "d" })
        {
            model.Observe(item, [], Epoch, 1);
        }

        model.Observe("a", ["b"], Epoch, 3);
        model.Observe("a", ["c"], Epoch, 1);
        model.Observe("a", ["d"], Epoch, 1);

        Assert.True(model.TryGetIndex("a", out var a));
        var kept = model.Neighbours(a).Select(n => model.ItemAt(n.Index)).ToList();
        Assert.Equal(["b"], kept);
    }

    [Fact]
    public void RecommendationsMixCoOccurrenceRepeatInterestAndExplainThemselves()
    {
        var options = new RecommendOptions { RepeatWeight = 0.5, PopularityWeight = 0 };
        var recommender = new ItemRecommender(Learn(options), options);

        // A user who bought x only: y scores sim(x, y) = 1, z scores sim(x, z) = 0.7071, x its repeat weight 0.5.
        var items = recommender.Recommend([("x", 4.0)], Epoch, k: 3);

        Assert.Equal(["y", "z", "x"], items.Select(i => i.ItemId));
        Assert.Equal(1, items[0].Score, 9);
        Assert.Equal(1 / Math.Sqrt(2), items[1].Score, 9);
        Assert.Equal(0.5, items[2].Score, 9);
        Assert.Equal(new Because("item", "x", 1), items[0].Because[0] with { Weight = Math.Round(items[0].Because[0].Weight, 9) });
        Assert.Equal("repeat", items[2].Because[0].Signal);
    }

    [Fact]
    public void ExcludedItemsAreNeverRecommended()
    {
        var options = new RecommendOptions { PopularityWeight = 0 };
        var recommender = new ItemRecommender(Learn(options), options);

        var items = recommender.Recommend([("x", 1.0)], Epoch, k: 3, exclude: id => id == "y");

        Assert.Equal(["z", "x"], items.Select(i => i.ItemId));
    }

    [Fact]
    public void AUserWithoutHistoryGetsThePopularItems()
    {
        var options = new RecommendOptions { PopularityWeight = 1 };
        var recommender = new ItemRecommender(Learn(options), options);

        var items = recommender.Recommend([], Epoch, k: 3);

        // pop x = 2, y = 2, z = 1: x and y tie (x seen first), then z at half.
        Assert.Equal(["x", "y", "z"], items.Select(i => i.ItemId));
        Assert.Equal(0.5, items[2].Score, 9);
        Assert.All(items, i => Assert.Equal("popular", i.Because.Single().Signal));
    }

    [Fact]
    public void ACancellationTakesThePurchaseBackAndInterestNeverGoesNegative()
    {
        var history = new UserItemHistory(new RecommendOptions(), Epoch);
        history.Apply("x", Epoch, 5);
        history.Apply("x", Epoch, -5);
        history.Apply("y", Epoch, -5);

        Assert.Empty(history.Interest(Epoch));
        Assert.Equal(["x"], history.Recent);
    }

    private static ItemCoOccurrence Learn(RecommendOptions options)
    {
        // User A buys x then y; user B buys x, z, y (weights 1, all at the epoch so nothing decays).
        var model = new ItemCoOccurrence(options, Epoch);
        var a = new UserItemHistory(options, Epoch);
        var b = new UserItemHistory(options, Epoch);
        foreach (var (user, item) in new[] { (a, "x"), (a, "y"), (b, "x"), (b, "z"), (b, "y") })
        {
            model.Observe(item, user.Recent, Epoch, 1);
            user.Apply(item, Epoch, 1);
        }

        return model;
    }
}
