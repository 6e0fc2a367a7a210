using Orleans.Concurrency;

namespace Esrs.Recommending;

/// <summary>
/// One shard of the item co-occurrence graph (key: shard number). It owns the rows of the items that hash to it: each
/// item's popularity, its strongest neighbours and its category. Weights are stored as decayed-weight boosts relative to
/// one fixed epoch (<c>Esrs:Recommend:Epoch</c>), so rows of different shards compare without a clock.
/// </summary>
public interface IItemGraphGrain : IGrainWithIntegerKey
{
    /// <summary>Merges one numbered delivery of a silo's feed; a sequence already merged is acknowledged and ignored.</summary>
    Task<bool> ApplyAsync(string sender, long sequence, ItemGraphDelta delta);

    /// <summary>The rows of <paramref name="items"/> this shard owns, and its most popular items overall and in <paramref name="categories"/>.</summary>
    [ReadOnly]
    Task<ItemGraphRows> GetRowsAsync(IReadOnlyList<string> items, IReadOnlyList<string> categories, int popular);

    /// <summary>The popularity (boosted) of those of <paramref name="items"/> this shard owns.</summary>
    [ReadOnly]
    Task<IReadOnlyDictionary<string, double>> GetPopularityAsync(IReadOnlyList<string> items);

    /// <summary>Writes the shard's state now (tests, shutdown).</summary>
    Task FlushAsync();
}

/// <summary>What a silo's feed sends a shard: popularity and pair weights to add (boosted), and the latest category of items.</summary>
[GenerateSerializer, Immutable, Alias("esrs.item-graph-delta")]
public sealed record ItemGraphDelta(
    [property: Id(0)] Dictionary<string, double> Popularity,
    [property: Id(1)] Dictionary<string, Dictionary<string, double>> Pairs,
    [property: Id(2)] Dictionary<string, string> Categories);

/// <summary>One item's row: its popularity and its kept neighbours' co-occurrence weights (boosted).</summary>
[GenerateSerializer, Immutable, Alias("esrs.item-row")]
public sealed record ItemRow([property: Id(0)] string ItemId, [property: Id(1)] double Popularity, [property: Id(2)] IReadOnlyDictionary<string, double> Neighbours);

/// <summary>A popular item with its popularity (boosted) and category (null: none known).</summary>
[GenerateSerializer, Immutable, Alias("esrs.popular-item")]
public sealed record PopularItem([property: Id(0)] string ItemId, [property: Id(1)] double Popularity, [property: Id(2)] string? Category);

/// <summary>A shard's answer to <see cref="IItemGraphGrain.GetRowsAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("esrs.item-graph-rows")]
public sealed record ItemGraphRows([property: Id(0)] IReadOnlyList<ItemRow> Rows, [property: Id(1)] IReadOnlyList<PopularItem> Popular);
