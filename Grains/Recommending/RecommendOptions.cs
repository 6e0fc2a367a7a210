namespace Esrs.Recommending;

/// <summary>How the recommender learns and mixes its signals (configuration section <c>Esrs:Recommend</c>).</summary>
public sealed class RecommendOptions
{
    public const string SectionName = "Esrs:Recommend";

    /// <summary>Co-occurrence and popularity halve over this time, so what shoppers buy now outweighs last year.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Neighbours kept per item (the strongest; the table is pruned back to this when it doubles).</summary>
    public int NeighboursPerItem { get; set; } = 100;

    /// <summary>How many of a user's most recent distinct items a new interaction is paired with.</summary>
    public int PairWindow { get; set; } = 20;

    /// <summary>Weight of the user's own item interest (repeat purchases) beside the co-occurrence score.</summary>
    public double RepeatWeight { get; set; } = 0.5;

    /// <summary>Weight of global popularity: breaks ties and fills in for users whose items have no neighbours.</summary>
    public double PopularityWeight { get; set; } = 0.05;

    /// <summary>Explanations returned per item.</summary>
    public int MaxBecause { get; set; } = 3;

    /// <summary>Whether user grains feed applied purchases and carts to the item graph (off: recommendations are popularity only).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The fixed decay epoch of every stored graph weight (rows of all shards compare without a clock).</summary>
    public DateTime Epoch { get; set; } = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Shards of the item graph (items hash to them); changing it re-homes every item, so set it once.</summary>
    public int Shards { get; set; } = 8;

    /// <summary>How often a silo's feed sends what its user grains applied to the graph shards.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a changed shard writes its state.</summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of the user's strongest items a recommendation reads the neighbours of.</summary>
    public int HistoryItems { get; set; } = 20;

    /// <summary>
    /// How long a user grain answers the same recommendations again without reading the graph (0: never). The user's own
    /// events clear it at once; what other users do shows after at most this long.
    /// </summary>
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a silo keeps the item graph rows, popularity and popular lists it read (<see cref="ItemGraphCache"/>; 0: it
    /// reads the shards on every recommendation). What the silo's own feed delivers shows at once.
    /// </summary>
    public TimeSpan GraphCacheFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long past <see cref="GraphCacheFor"/> a silo still answers from what it cached while it reads the shards again
    /// in the background (0: a request past <see cref="GraphCacheFor"/> waits for the shards). Requests then never wait for
    /// a refresh of what they read recently; what they never read, or read longer ago, they still wait for.
    /// </summary>
    public TimeSpan GraphServeStaleFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Weight of the popular items of the user's categories.</summary>
    public double CategoryWeight { get; set; } = 0.1;
}
