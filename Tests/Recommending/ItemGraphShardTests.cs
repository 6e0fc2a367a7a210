using Esrs.Recommending;

namespace Esrs.Tests.Recommending;

/// <summary>An item graph shard merges each numbered delivery once, keeps the strongest neighbours, and answers rows and popular items.</summary>
public sealed class ItemGraphShardTests
{
    private static readonly DateTime Now = new(2026, 11, 27, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ADeliveryIsMergedOnceAndAnOlderNumberIsIgnored()
    {
        var shard = new ItemGraphShard(new ItemGraphState(), neighboursPerItem: 10);
        var delta = Delta(("A", 5), [("A", "B", 5)]);

        Assert.True(shard.Apply("feed/1", 1, delta, Now));
        Assert.False(shard.Apply("feed/1", 1, delta, Now));
        Assert.True(shard.Apply("feed/2", 1, delta, Now));
        Assert.True(shard.Apply("feed/1", 2, delta, Now));
        Assert.False(shard.Apply("feed/1", 1, delta, Now));

        var row = Assert.Single(shard.Rows(["A", "unknown"]));
        Assert.Equal(15, row.Popularity);
        Assert.Equal(15, row.Neighbours["B"]);
    }

    [Fact]
    public void EachRowKeepsItsStrongestNeighbours()
    {
        var shard = new ItemGraphShard(new ItemGraphState(), neighboursPerItem: 1);

        shard.Apply("feed", 1, Delta(("A", 1), [("A", "B", 3), ("A", "C", 1), ("A", "D", 2)]), Now);

        Assert.Equal(["B"], shard.Rows(["A"]).Single().Neighbours.Keys);
    }

    [Fact]
    public void PopularItemsOverallAndPerCategory()
    {
        var shard = new ItemGraphShard(new ItemGraphState(), neighboursPerItem: 10);
        var delta = Delta(("A", 9), []);
        delta.Popularity["B"] = 5;
        delta.Popularity["C"] = 3;
        delta.Popularity["D"] = 1;
        delta.Categories["C"] = "home/lamps";
        delta.Categories["D"] = "home/lamps";
        shard.Apply("feed", 1, delta, Now);

        var popular = shard.Popular(["home/lamps"], count: 2);

        Assert.Equal([("A", 9.0, (string?)null), ("B", 5.0, null), ("C", 3.0, "home/lamps"), ("D", 1.0, "home/lamps")],
            popular.Select(p => (p.ItemId, p.Popularity, p.Category)));
    }

    [Fact]
    public void AnItemAlwaysBelongsToTheSameShard()
    {
        var shards = Enumerable.Range(0, 1_000).Select(i => ItemGraphShard.ShardOf("item-" + i, 8)).ToList();

        Assert.All(shards, s => Assert.InRange(s, 0, 7));
        Assert.Equal(8, shards.Distinct().Count());
        Assert.Equal(shards, Enumerable.Range(0, 1_000).Select(i => ItemGraphShard.ShardOf("item-" + i, 8)));
    }

    private static ItemGraphDelta Delta((string Item, double Weight) popularity, (string Item, string Other, double Weight)[] pairs)
    {
        var delta = new ItemGraphDelta(new(StringComparer.Ordinal) { [popularity.Item] = popularity.Weight }, new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        foreach (var (item, other, weight) in pairs)
        {
            if (!delta.Pairs.TryGetValue(item, out var row))
            {
                delta.Pairs[item] = row = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            row[other] = weight;
        }

        return delta;
    }
}
