namespace Esrs.Quality;

/// <summary>
/// A mergeable frequent-items sketch (Misra-Gries, with the merge of Agarwal et al.): at most 2·<see cref="Capacity"/> counters
/// between cuts and <see cref="Capacity"/> after a merge;
/// an estimate is never above the true count and at most <see cref="MaxError"/> ≤ Total/(Capacity+1) below it, whatever
/// the order of adds and merges. The data and its reading live here; adding and merging are in
/// <c>FrequentItemsUpdates</c> (Grains).
/// </summary>
[GenerateSerializer, Alias("esrs.frequent-items")]
public sealed class FrequentItems
{
    public FrequentItems()
        : this(64)
    {
    }

    public FrequentItems(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    [Id(0)] public int Capacity { get; set; }
    [Id(1)] public Dictionary<string, long> Counters { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public long Total { get; set; }

    /// <summary>The most any estimate can be below its true count.</summary>
    [Id(3)] public long MaxError { get; set; }

    /// <summary>Lower-bound estimate of an item's count (0 when not tracked).</summary>
    public long Estimate(string item) => Counters.GetValueOrDefault(item);

    /// <summary>The <paramref name="n"/> largest counters, largest first (ties by item).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int n) =>
        [.. Counters.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(n)];
}
