namespace Esrs.Quality;

/// <summary>
/// A mergeable frequent-items sketch (Misra-Gries, with the merge of Agarwal et al.): at most 2·<see cref="Capacity"/> counters
/// between cuts and <see cref="Capacity"/> after a merge;
/// an estimate is never above the true count and at most <see cref="MaxError"/> ≤ Total/(Capacity+1) below it, whatever
/// the order of adds and merges.
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

    public void Add(string item, long count = 1)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (count <= 0)
        {
            return;
        }

        Total += count;
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Counters, item, out _) += count;

        // Lazily: let the table grow to twice the capacity, then cut it back to the capacity in one sort. Each cut
        // still takes at least (Capacity+1)·cut from the total, so the error bound holds, and an add costs
        // O(log Capacity) amortised instead of a sort per new item.
        if (Counters.Count > 2 * Capacity)
        {
            Shrink();
        }
    }

    public void Merge(FrequentItems other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (item, count) in other.Counters)
        {
            Counters[item] = Counters.GetValueOrDefault(item) + count;
        }

        Total += other.Total;
        MaxError += other.MaxError;
        if (Counters.Count > Capacity)
        {
            Shrink();
        }
    }

    /// <summary>Lower-bound estimate of an item's count (0 when not tracked).</summary>
    public long Estimate(string item) => Counters.GetValueOrDefault(item);

    /// <summary>The <paramref name="n"/> largest counters, largest first (ties by item).</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Top(int n) =>
        [.. Counters.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(n)];

    public FrequentItems Clone()
    {
        var copy = new FrequentItems(Capacity);
        copy.Merge(this);
        return copy;
    }

    // Subtract the (Capacity+1)-th largest count from every counter and drop those at zero or below.
    private void Shrink()
    {
        var values = Counters.Values.ToArray();
        Array.Sort(values);
        var cut = values[^(Capacity + 1)];
        foreach (var key in Counters.Keys.ToList())
        {
            var left = Counters[key] - cut;
            if (left <= 0)
            {
                Counters.Remove(key);
            }
            else
            {
                Counters[key] = left;
            }
        }

        MaxError += cut;
    }
}
