using Esrs.Profiles;

namespace Esrs.Recommending;

/// <summary>
/// The part of the item graph one recommendation needs, as fetched from the shards: the rows of the user's items, the
/// popularity of their neighbours and of the popular items. Read-only; <see cref="ItemRecommender"/> runs on it as on
/// the whole model.
/// </summary>
public sealed class ItemGraphSlice : IItemGraph
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _items = [];
    private readonly List<double> _popularity = [];
    private readonly List<List<(int Index, double Co)>> _neighbours = [];
    private readonly RecommendOptions _options;

    public ItemGraphSlice(IEnumerable<ItemRow> rows, IReadOnlyDictionary<string, double> popularity, RecommendOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(popularity);
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        foreach (var (item, value) in popularity)
        {
            _popularity[IndexOf(item)] = value;
        }

        foreach (var row in rows)
        {
            var i = IndexOf(row.ItemId);
            _popularity[i] = row.Popularity;
            foreach (var (other, co) in row.Neighbours)
            {
                _neighbours[i].Add((IndexOf(other), co));
            }
        }
    }

    public int Count => _items.Count;

    public string ItemAt(int index) => _items[index];

    public bool TryGetIndex(string itemId, out int index) => _index.TryGetValue(itemId, out index);

    public double Popularity(int index, DateTime now) => DecayMath.ValueAt(_popularity[index], now, _options.Epoch, _options.HalfLife);

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

    public double Similarity(string a, string b)
    {
        if (!_index.TryGetValue(a, out var i) || !_index.TryGetValue(b, out var j))
        {
            return 0;
        }

        foreach (var (other, similarity) in Neighbours(i))
        {
            if (other == j)
            {
                return similarity;
            }
        }

        return 0;
    }

    private int IndexOf(string item)
    {
        if (!_index.TryGetValue(item, out var index))
        {
            index = _items.Count;
            _index.Add(item, index);
            _items.Add(item);
            _popularity.Add(0);
            _neighbours.Add([]);
        }

        return index;
    }
}
