namespace Esrs.Quality;

/// <summary>Building <see cref="FrequentItems"/> sketches: Misra-Gries adds with lazy cuts, and the merge of Agarwal et al.</summary>
public static class FrequentItemsUpdates
{
    public static void Add(this FrequentItems items, string item, long count = 1)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(item);
        if (count <= 0)
        {
            return;
        }

        items.Total += count;
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(items.Counters, item, out _) += count;

        // Lazily: let the table grow to twice the capacity, then cut it back to the capacity in one sort. Each cut
        // still takes at least (Capacity+1)·cut from the total, so the error bound holds, and an add costs
        // O(log Capacity) amortised instead of a sort per new item.
        if (items.Counters.Count > 2 * items.Capacity)
        {
            Shrink(items);
        }
    }

    public static void Merge(this FrequentItems items, FrequentItems other)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (item, count) in other.Counters)
        {
            items.Counters[item] = items.Counters.GetValueOrDefault(item) + count;
        }

        items.Total += other.Total;
        items.MaxError += other.MaxError;
        if (items.Counters.Count > items.Capacity)
        {
            Shrink(items);
        }
    }

    public static FrequentItems Clone(this FrequentItems items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var copy = new FrequentItems(items.Capacity);
        copy.Merge(items);
        return copy;
    }

    // Subtract the (Capacity+1)-th largest count from every counter and drop those at zero or below.
    private static void Shrink(FrequentItems items)
    {
        var values = items.Counters.Values.ToArray();
        Array.Sort(values);
        var cut = values[^(items.Capacity + 1)];
        foreach (var key in items.Counters.Keys.ToList())
        {
            var left = items.Counters[key] - cut;
            if (left <= 0)
            {
                items.Counters.Remove(key);
            }
            else
            {
                items.Counters[key] = left;
            }
        }

        items.MaxError += cut;
    }
}
