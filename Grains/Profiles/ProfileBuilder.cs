using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Profiles;

/// <summary>Applies accepted events to a <see cref="ProfileState"/> and renders the frontend's <see cref="UserProfile"/>.</summary>
public sealed class ProfileBuilder(ProfileOptions options)
{
    private const string UnknownCurrency = "XXX";

    /// <summary>Most recently cancelled products kept.</summary>
    public const int MaxCancelled = 20;

    /// <summary>Interest each event type adds to its item, category and brand; negative types take interest back.</summary>
    public static double InterestWeight(EventType type, double? rating) => type switch
    {
        EventType.View => 1,
        EventType.Click => 2,
        EventType.AddToCart => 3,
        EventType.Favorite => 3,
        EventType.Purchase => 5,
        EventType.RemoveFromCart => -2,
        EventType.Cancel => -5,
        EventType.Rating => rating is { } r ? (r - 2.5) * 2 : 0,
        _ => 0,
    };

    /// <summary>Applies one accepted (possibly repaired) event.</summary>
    public void Apply(ProfileState state, UserEvent e, in ValidationResult validation)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(e);
        var at = e.OccurredAt;
        var fromEvent = new Provenance(e.Source, RuleIds.ProfileFromEvent, at);

        state.Counts[(int)e.Type]++;
        state.FirstSeen = state.FirstSeen is { } first && first <= at ? first : at;
        state.LastSeen = state.LastSeen is { } last && last >= at ? last : at;
        state.Provenance[ProfileFields.Counts] = fromEvent;

        if (state.DecayEpoch == default)
        {
            state.DecayEpoch = at;
        }

        var boost = BoostFor(state, at);
        if (e.Type == EventType.Search && e.Query is { } query)
        {
            AddScore(state.SearchTerms, query.ToLowerInvariant(), boost, options.MaxInterests);
            state.Provenance[ProfileFields.SearchTerms] = fromEvent;
        }

        var weight = InterestWeight(e.Type, e.Rating);
        var isProduct = !validation.Has(RuleIds.NonProductItem);
        if (weight != 0 && isProduct)
        {
            if (e.ItemId is { } item)
            {
                AddScore(state.Items, item, weight * boost, options.MaxItemInterests);
                state.Provenance[ProfileFields.Items] = fromEvent;
                if (weight > 0)
                {
                    PushRecent(state.RecentItems, item);
                    state.Provenance[ProfileFields.RecentItems] = fromEvent;
                }

                if (e.Type == EventType.Cancel)
                {
                    state.Cancelled.Remove(item);
                    state.Cancelled.Insert(0, item);
                    if (state.Cancelled.Count > MaxCancelled)
                    {
                        state.Cancelled.RemoveAt(state.Cancelled.Count - 1);
                    }
                }
                else if (e.Type == EventType.Purchase)
                {
                    state.Cancelled.Remove(item);
                }
            }

            if (e.CategoryPath is { } category)
            {
                AddScore(state.Categories, category, weight * boost, options.MaxInterests);
                state.Provenance[ProfileFields.Categories] = fromEvent;
            }

            if (e.Brand is { } brand)
            {
                AddScore(state.Brands, brand, weight * boost, options.MaxInterests);
                state.Provenance[ProfileFields.Brands] = fromEvent;
            }
        }

        if (e.Type is EventType.Purchase or EventType.Cancel && e.UnitPrice is { } price && e.Quantity is { } quantity)
        {
            var amount = price * quantity * (e.Type == EventType.Cancel ? -1 : 1);
            var currency = e.Currency ?? UnknownCurrency;
            state.Spend[currency] = state.Spend.GetValueOrDefault(currency) + amount;
            state.Provenance[ProfileFields.Spend] = fromEvent;
        }

        if (e.Age is { } age)
        {
            state.Age = age;
            state.Provenance[ProfileFields.Age] = fromEvent;
        }

        if (e.Gender is { } gender)
        {
            state.Gender = gender;
            state.Provenance[ProfileFields.Gender] = validation.Has(RuleIds.GenderNormalised) ? fromEvent with { RuleId = RuleIds.GenderNormalised } : fromEvent;
        }
    }

    /// <summary>
    /// Adds the tags of one event's text as attribute interests, weighted like the event (a search counts as a view)
    /// and decayed from the event's time; <paramref name="provenance"/> names the model version.
    /// </summary>
    public void ApplyTags(ProfileState state, IReadOnlyList<Tagging.AttributeTag> tags, double weight, DateTime at, Provenance provenance)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count == 0 || weight == 0)
        {
            return;
        }

        if (state.DecayEpoch == default)
        {
            state.DecayEpoch = at;
        }

        var boost = BoostFor(state, at);
        foreach (var tag in tags)
        {
            var value = string.Join(' ', tag.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
            if (value.Length > 0)
            {
                AddScore(state.Attributes, string.Concat(tag.Label, "=", value), weight * boost, options.MaxInterests);
            }
        }

        state.Provenance[ProfileFields.Attributes] = provenance;
    }

    /// <summary>The profile as a frontend reads it, weights decayed to <paramref name="now"/>.</summary>
    public UserProfile ToView(ProfileState state, string userId, DateTime now, IngestCounters counters)
    {
        ArgumentNullException.ThrowIfNull(state);
        var asOf = state.LastSeen is { } last && last > now ? last : now;
        var counts = new Dictionary<EventType, long>();
        for (var i = 1; i < state.Counts.Length; i++)
        {
            if (state.Counts[i] != 0)
            {
                counts[(EventType)i] = state.Counts[i];
            }
        }

        return new UserProfile
        {
            UserId = userId,
            AsOf = asOf,
            Counts = counts,
            FirstSeen = state.FirstSeen,
            LastSeen = state.LastSeen,
            Categories = Top(state.Categories, state, asOf),
            Brands = Top(state.Brands, state, asOf),
            Items = Top(state.Items, state, asOf),
            SearchTerms = Top(state.SearchTerms, state, asOf),
            RecentItems = [.. state.RecentItems],
            Spend = new Dictionary<string, decimal>(state.Spend),
            Age = state.Age,
            Gender = state.Gender,
            Completeness = Completeness(state),
            Provenance = new Dictionary<string, Provenance>(state.Provenance),
            Ingest = counters,
            Attributes = [.. Top(state.Attributes, state, asOf).Select(w => w.Value.IndexOf('=', StringComparison.Ordinal) is var at and > 0
                ? new AttributeInterest(w.Value[..at], w.Value[(at + 1)..], w.Weight)
                : new AttributeInterest(w.Value, string.Empty, w.Weight))],
        };
    }

    /// <summary>Share of the seven profile signals that are known: age, gender, category, brand, item, search term, spend.</summary>
    public static double Completeness(ProfileState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var known = (state.Age.HasValue ? 1 : 0) + (state.Gender is not null ? 1 : 0) + (state.Categories.Count > 0 ? 1 : 0)
            + (state.Brands.Count > 0 ? 1 : 0) + (state.Items.Count > 0 ? 1 : 0) + (state.SearchTerms.Count > 0 ? 1 : 0)
            + (state.Spend.Count > 0 ? 1 : 0);
        return known / 7.0;
    }

    private double BoostFor(ProfileState state, DateTime at)
    {
        var exponent = (at - state.DecayEpoch).TotalSeconds / options.HalfLife.TotalSeconds;
        if (exponent > DecayMath.RebaseExponent)
        {
            var factor = double.Exp2(-exponent);
            Rescale(state.Categories, factor);
            Rescale(state.Brands, factor);
            Rescale(state.Items, factor);
            Rescale(state.SearchTerms, factor);
            Rescale(state.Attributes, factor);
            state.DecayEpoch = at;
            return 1;
        }

        return double.Exp2(exponent);
    }

    private static void Rescale(Dictionary<string, double> scores, double factor)
    {
        foreach (var key in scores.Keys)
        {
            scores[key] *= factor;
        }
    }

    private static void AddScore(Dictionary<string, double> scores, string key, double delta, int capacity)
    {
        var value = scores.GetValueOrDefault(key) + delta;
        if (value <= 0)
        {
            scores.Remove(key);
            return;
        }

        scores[key] = value;
        if (scores.Count > capacity)
        {
            // Over capacity by one: drop the weakest (scores share one epoch, so stored values compare directly).
            var weakest = key;
            var weakestValue = double.MaxValue;
            foreach (var (k, v) in scores)
            {
                if (v < weakestValue)
                {
                    weakest = k;
                    weakestValue = v;
                }
            }

            scores.Remove(weakest);
        }
    }

    private void PushRecent(List<string> recent, string item)
    {
        var existing = recent.IndexOf(item);
        if (existing == 0)
        {
            return;
        }

        if (existing > 0)
        {
            recent.RemoveAt(existing);
        }

        recent.Insert(0, item);
        if (recent.Count > options.RecentItems)
        {
            recent.RemoveRange(options.RecentItems, recent.Count - options.RecentItems);
        }
    }

    private List<WeightedValue> Top(Dictionary<string, double> scores, ProfileState state, DateTime asOf)
    {
        var list = new List<WeightedValue>(Math.Min(scores.Count, options.TopN));
        foreach (var (key, stored) in scores.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(options.TopN))
        {
            list.Add(new WeightedValue(key, DecayMath.ValueAt(stored, asOf, state.DecayEpoch, options.HalfLife)));
        }

        return list;
    }
}
