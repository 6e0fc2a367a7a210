using Esrs.Profiles;

namespace Esrs.Recommending;

/// <summary>
/// Item-to-item co-occurrence learned from interactions as they are applied: each positive interaction of a user with an
/// item adds its weight to the item's popularity and to the pair (item, r) for each of the user's recent items r.
/// Weights decay with event time (<see cref="DecayMath"/>: stored boosted, read scaled, no timers), and each item keeps a
/// bounded table of its strongest neighbours, so memory is O(items × <see cref="RecommendOptions.NeighboursPerItem"/>).
/// Similarity is the co-occurrence over the geometric mean of the two items' popularity, capped at 1:
/// min(1, co(i, j) / √(pop(i) · pop(j))), close to the cosine of the two items' purchase vectors when events are near in time;
/// a pair bought long after an item's own purchases can pass 1 (its weight is boosted by the later time, the item's
/// popularity was not), which is what the cap stops. Not thread-safe: one writer.
/// </summary>
public sealed class ItemCoOccurrence : IItemGraph
{
    private readonly RecommendOptions _options;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _items = [];
    private readonly List<double> _popularity = [];
    private readonly List<Dictionary<int, double>> _neighbours = [];
    private DateTime _epoch;

    public ItemCoOccurrence(RecommendOptions options, DateTime epoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.NeighboursPerItem, 1);
        _options = options;
        _epoch = DateTime.SpecifyKind(epoch, DateTimeKind.Utc);
    }

    /// <summary>Items seen so far; their indices run from 0 to <c>Count - 1</c> in order of first sight.</summary>
    public int Count => _items.Count;

    /// <summary>The id of the item at <paramref name="index"/>.</summary>
    public string ItemAt(int index) => _items[index];

    /// <summary>The index of <paramref name="itemId"/>, when the model has seen it.</summary>
    public bool TryGetIndex(string itemId, out int index) => _index.TryGetValue(itemId, out index);

    /// <summary>
    /// One positive interaction (<paramref name="weight"/> &gt; 0) of a user with <paramref name="itemId"/> at
    /// <paramref name="at"/>; <paramref name="recentItems"/> are that user's most recent distinct items before it.
    /// </summary>
    public void Observe(string itemId, IReadOnlyList<string> recentItems, DateTime at, double weight)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        ArgumentNullException.ThrowIfNull(recentItems);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        var exponent = (at - _epoch).TotalSeconds / _options.HalfLife.TotalSeconds;
        if (exponent > DecayMath.RebaseExponent)
        {
            Rebase(at);
            exponent = 0;
        }

        var boosted = weight * double.Exp2(exponent);
        var item = IndexOf(itemId);
        _popularity[item] += boosted;
        var pairs = Math.Min(recentItems.Count, _options.PairWindow);
        for (var k = 0; k < pairs; k++)
        {
            if (string.Equals(recentItems[k], itemId, StringComparison.Ordinal))
            {
                continue;
            }

            var other = IndexOf(recentItems[k]);
            Add(item, other, boosted);
            Add(other, item, boosted);
        }
    }

    /// <summary>Popularity of the item at <paramref name="index"/> at <paramref name="now"/> (decayed).</summary>
    public double Popularity(int index, DateTime now) => DecayMath.ValueAt(_popularity[index], now, _epoch, _options.HalfLife);

    /// <summary>The kept neighbours of the item at <paramref name="index"/> with their similarity (0..1), in no order.</summary>
    public IEnumerable<(int Index, double Similarity)> Neighbours(int index)
    {
        var pop = _popularity[index];
        foreach (var (other, co) in _neighbours[index])
        {
            if (_popularity[other] > 0 && pop > 0)
            {
                yield return (other, ItemSimilarity.Of(co, pop, _popularity[other]));
            }
        }
    }

    /// <summary>The similarity of two items, 0..1 (0 when either is unknown or the pair was not kept).</summary>
    public double Similarity(string a, string b)
    {
        if (!_index.TryGetValue(a, out var i) || !_index.TryGetValue(b, out var j) || !_neighbours[i].TryGetValue(j, out var co))
        {
            return 0;
        }

        return ItemSimilarity.Of(co, _popularity[i], _popularity[j]);
    }

    private int IndexOf(string itemId)
    {
        if (!_index.TryGetValue(itemId, out var index))
        {
            index = _items.Count;
            _index.Add(itemId, index);
            _items.Add(itemId);
            _popularity.Add(0);
            _neighbours.Add([]);
        }

        return index;
    }

    private void Add(int from, int to, double boosted) => BoundedTable.Add(_neighbours[from], to, boosted, _options.NeighboursPerItem);

    private void Rebase(DateTime at)
    {
        var factor = double.Exp2(-(at - _epoch).TotalSeconds / _options.HalfLife.TotalSeconds);
        for (var i = 0; i < _items.Count; i++)
        {
            _popularity[i] *= factor;
            foreach (var key in _neighbours[i].Keys.ToList())
            {
                _neighbours[i][key] *= factor;
            }
        }

        _epoch = at;
    }
}
