using Esrs.Profiles;

namespace Esrs.Recommending;

/// <summary>
/// One user's decayed interest per item and most recent distinct items: what the recommender reads of a user. Weights
/// are <see cref="ProfileBuilder.InterestWeight"/>'s (a cancellation takes a purchase back); interest never goes below
/// zero. The live profile keeps the same two things (<see cref="ProfileState.Items"/>, <see cref="ProfileState.RecentItems"/>).
/// </summary>
public sealed class UserItemHistory
{
    private readonly Dictionary<string, double> _interest = new(StringComparer.Ordinal);
    private readonly List<string> _recent = [];
    private readonly TimeSpan _halfLife;
    private readonly int _recentCapacity;
    private readonly DateTime _epoch;

    public UserItemHistory(RecommendOptions options, DateTime epoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        _halfLife = options.HalfLife;
        _recentCapacity = options.PairWindow;
        _epoch = DateTime.SpecifyKind(epoch, DateTimeKind.Utc);
    }

    /// <summary>The most recent distinct items, newest first (items with positive interactions only).</summary>
    public IReadOnlyList<string> Recent => _recent;

    /// <summary>Applies one interaction of weight <paramref name="weight"/> (negative: a cancellation or removal).</summary>
    public void Apply(string itemId, DateTime at, double weight)
    {
        ArgumentNullException.ThrowIfNull(itemId);
        var boosted = weight * DecayMath.Boost(at, _epoch, _halfLife);
        var value = Math.Max(0, _interest.GetValueOrDefault(itemId) + boosted);
        if (value > 0)
        {
            _interest[itemId] = value;
        }
        else
        {
            _interest.Remove(itemId);
        }

        if (weight > 0)
        {
            _recent.Remove(itemId);
            _recent.Insert(0, itemId);
            if (_recent.Count > _recentCapacity)
            {
                _recent.RemoveAt(_recent.Count - 1);
            }
        }
    }

    /// <summary>The items with positive interest and their value at <paramref name="now"/>.</summary>
    public IEnumerable<(string ItemId, double Interest)> Interest(DateTime now)
    {
        foreach (var (item, stored) in _interest)
        {
            yield return (item, DecayMath.ValueAt(stored, now, _epoch, _halfLife));
        }
    }

    /// <summary>Whether the user has positive interest in <paramref name="itemId"/>.</summary>
    public bool Has(string itemId) => _interest.ContainsKey(itemId);
}
