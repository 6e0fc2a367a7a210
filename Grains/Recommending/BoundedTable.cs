namespace Esrs.Recommending;

/// <summary>A table of weights that keeps its strongest entries: pruned back to the capacity once it holds twice as many (amortised O(1) per add).</summary>
public static class BoundedTable
{
    /// <summary>Adds <paramref name="weight"/> to <paramref name="key"/>'s entry and prunes the table when it has grown to twice <paramref name="capacity"/>.</summary>
    public static void Add<TKey>(Dictionary<TKey, double> table, TKey key, double weight, int capacity)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        table[key] = table.GetValueOrDefault(key) + weight;
        if (table.Count > 2 * capacity)
        {
            Prune(table, capacity);
        }
    }

    /// <summary>Keeps the <paramref name="capacity"/> strongest entries (ties: the smaller key stays).</summary>
    public static void Prune<TKey>(Dictionary<TKey, double> table, int capacity)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Count <= capacity)
        {
            return;
        }

        foreach (var key in table.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Skip(capacity).Select(p => p.Key).ToList())
        {
            table.Remove(key);
        }
    }
}
