namespace Esrs.Recommending;

/// <summary>
/// What <see cref="ItemRecommender"/> reads of item co-occurrence: the whole model in process (<see cref="ItemCoOccurrence"/>,
/// the offline evaluation) or the slice of it a user grain fetched from the item graph shards (<see cref="ItemGraphSlice"/>).
/// </summary>
public interface IItemGraph
{
    /// <summary>Items known; indices run from 0 to <c>Count - 1</c>.</summary>
    int Count { get; }

    string ItemAt(int index);

    bool TryGetIndex(string itemId, out int index);

    /// <summary>Decayed popularity of the item at <paramref name="index"/> at <paramref name="now"/>.</summary>
    double Popularity(int index, DateTime now);

    /// <summary>The kept neighbours of an item with their similarity min(1, co(i, j) / √(pop(i) · pop(j))).</summary>
    IEnumerable<(int Index, double Similarity)> Neighbours(int index);

    /// <summary>Similarity of two items, 0..1 (0 when the pair is unknown).</summary>
    double Similarity(string a, string b);
}

/// <summary>The one formula both graphs use, so the cap cannot be forgotten in either.</summary>
public static class ItemSimilarity
{
    /// <summary>min(1, co / √(popA · popB)); 0 when either popularity is 0.</summary>
    public static double Of(double coOccurrence, double popularityA, double popularityB)
    {
        var denominator = Math.Sqrt(popularityA * popularityB);
        return denominator > 0 ? Math.Min(1, coOccurrence / denominator) : 0;
    }
}
