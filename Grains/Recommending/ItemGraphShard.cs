namespace Esrs.Recommending;

/// <summary>The persisted state of one item graph shard.</summary>
[GenerateSerializer, Alias("esrs.item-graph-state")]
public sealed class ItemGraphState
{
    /// <summary>Popularity (boosted) of the items this shard owns.</summary>
    [Id(0)] public Dictionary<string, double> Popularity { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each owned item's kept neighbours and their co-occurrence weight (boosted).</summary>
    [Id(1)] public Dictionary<string, Dictionary<string, double>> Neighbours { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The latest category path seen for each owned item.</summary>
    [Id(2)] public Dictionary<string, string> Categories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The last delivery merged per sender (a silo's feed incarnation), and when.</summary>
    [Id(3)] public Dictionary<string, Delivery> Delivered { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A sender's last merged delivery.</summary>
[GenerateSerializer, Immutable, Alias("esrs.item-graph-delivery")]
public sealed record Delivery([property: Id(0)] long Sequence, [property: Id(1)] DateTime At);

/// <summary>
/// What an item graph shard does, without Orleans: merge a delivery once, keep each item's strongest neighbours, answer
/// rows and popular items. Which shard owns an item: <see cref="ShardOf"/> (xxHash32 of the id, stable across processes).
/// </summary>
public sealed class ItemGraphShard(ItemGraphState state, int neighboursPerItem)
{
    /// <summary>Senders remembered; the longest-silent ones are forgotten past this (silo incarnations come and go).</summary>
    public const int MaxSenders = 256;

    public ItemGraphState State { get; } = state;

    public static int ShardOf(string itemId, int shards) => StableShards.Of(itemId, shards);

    /// <summary>Merges <paramref name="delta"/> unless <paramref name="sequence"/> of <paramref name="sender"/> was merged already; true when merged now.</summary>
    public bool Apply(string sender, long sequence, ItemGraphDelta delta, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(delta);
        if (State.Delivered.TryGetValue(sender, out var last) && last.Sequence >= sequence)
        {
            return false;
        }

        foreach (var (item, weight) in delta.Popularity)
        {
            State.Popularity[item] = State.Popularity.GetValueOrDefault(item) + weight;
        }

        foreach (var (item, pairs) in delta.Pairs)
        {
            if (!State.Neighbours.TryGetValue(item, out var row))
            {
                State.Neighbours[item] = row = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            foreach (var (other, weight) in pairs)
            {
                BoundedTable.Add(row, other, weight, neighboursPerItem);
            }
        }

        foreach (var (item, category) in delta.Categories)
        {
            State.Categories[item] = category;
        }

        State.Delivered[sender] = new Delivery(sequence, now);
        if (State.Delivered.Count > MaxSenders)
        {
            State.Delivered.Remove(State.Delivered.MinBy(d => d.Value.At).Key);
        }

        return true;
    }

    /// <summary>The rows of the owned items among <paramref name="items"/>.</summary>
    public List<ItemRow> Rows(IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var rows = new List<ItemRow>();
        foreach (var item in items)
        {
            if (State.Popularity.TryGetValue(item, out var popularity))
            {
                rows.Add(new ItemRow(item, popularity, State.Neighbours.TryGetValue(item, out var row) ? new Dictionary<string, double>(row, StringComparer.Ordinal) : []));
            }
        }

        return rows;
    }

    /// <summary>The <paramref name="count"/> most popular owned items overall and in each of <paramref name="categories"/>, strongest first.</summary>
    public List<PopularItem> Popular(IReadOnlyCollection<string> categories, int count)
    {
        ArgumentNullException.ThrowIfNull(categories);
        var wanted = new HashSet<string>(categories, StringComparer.Ordinal);
        var top = State.Popularity.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(count)
            .Select(p => new PopularItem(p.Key, p.Value, State.Categories.GetValueOrDefault(p.Key)));
        var inCategories = wanted.Count == 0
            ? []
            : State.Categories.Where(c => wanted.Contains(c.Value))
                .GroupBy(c => c.Value)
                .SelectMany(g => g.Select(c => new PopularItem(c.Key, State.Popularity.GetValueOrDefault(c.Key), c.Value)).OrderByDescending(p => p.Popularity).ThenBy(p => p.ItemId, StringComparer.Ordinal).Take(count));
        return [.. top.Concat(inCategories).DistinctBy(p => p.ItemId)];
    }
}
