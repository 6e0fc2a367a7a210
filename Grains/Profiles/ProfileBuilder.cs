using System.Globalization;
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

    /// <summary>Provenance of a value an event carried because the catalogue filled it in.</summary>
    private static Provenance FromCatalogue(string ruleId, DateTime at) => new(Quality.QualityCollector.CatalogueSource, ruleId, at);

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
                state.Provenance[ProfileFields.Categories] = validation.Has(RuleIds.CatalogueCategory) ? FromCatalogue(RuleIds.CatalogueCategory, at) : fromEvent;
            }

            if (e.Brand is { } brand)
            {
                AddScore(state.Brands, brand, weight * boost, options.MaxInterests);
                state.Provenance[ProfileFields.Brands] = validation.Has(RuleIds.CatalogueBrand) ? FromCatalogue(RuleIds.CatalogueBrand, at) : fromEvent;
            }
        }

        if (e.Type is EventType.Purchase or EventType.Cancel && e.UnitPrice is { } price && e.Quantity is { } quantity)
        {
            var amount = price * quantity * (e.Type == EventType.Cancel ? -1 : 1);
            var currency = e.Currency ?? UnknownCurrency;
            state.Spend[currency] = state.Spend.GetValueOrDefault(currency) + amount;
            state.Provenance[ProfileFields.Spend] = validation.Has(RuleIds.CataloguePrice) ? FromCatalogue(RuleIds.CataloguePrice, at) : fromEvent;
        }

        if (e.Age is { } age)
        {
            // An age is kept as the birth year it implies, so it grows older with the profile instead of freezing.
            Claim(state, ProfileFields.Age, new FieldClaim((at.Year - age).ToString(CultureInfo.InvariantCulture), e.Source, TrustOf(e.Source), at, RuleIds.ProfileFromEvent));
        }

        if (e.Gender is { } gender)
        {
            Claim(state, ProfileFields.Gender, new FieldClaim(gender, e.Source, TrustOf(e.Source), at,
                validation.Has(RuleIds.GenderNormalised) ? RuleIds.GenderNormalised : RuleIds.ProfileFromEvent));
        }
    }

    /// <summary>
    /// Records <paramref name="claim"/> as its source's latest for <paramref name="field"/> (an older claim of the same
    /// source and rule family is replaced; a claim older than the one kept is ignored), then lets the claims decide the
    /// field: highest trust, then the most recent. Returns whether the shown value or its provenance changed.
    /// </summary>
    public bool Claim(ProfileState state, string field, FieldClaim claim)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(claim);
        if (!state.Claims.TryGetValue(field, out var claims))
        {
            state.Claims[field] = claims = [];
        }

        var registry = claim.RuleId == RuleIds.ProfileFromRegistry;
        var same = claims.FindIndex(c => c.Source == claim.Source && (c.RuleId == RuleIds.ProfileFromRegistry) == registry);
        if (same >= 0)
        {
            if (claims[same].At > claim.At)
            {
                return false;
            }

            claims[same] = claim;
        }
        else
        {
            claims.Add(claim);
            if (claims.Count > options.MaxClaimsPerField)
            {
                // The oldest event claim goes first; what the registry declared goes last.
                claims.Remove(claims.OrderBy(c => c.RuleId == RuleIds.ProfileFromRegistry ? 1 : 0).ThenBy(c => c.At).First());
            }
        }

        var winner = Winner(claims);
        var before = field == ProfileFields.Age ? state.Age?.ToString(CultureInfo.InvariantCulture) : state.Gender;
        if (field == ProfileFields.Age)
        {
            // Stored as the birth year; the view turns it into an age at the time it is read.
            state.Age = int.Parse(winner.Value, CultureInfo.InvariantCulture);
        }
        else
        {
            state.Gender = winner.Value;
        }

        var provenance = new Provenance(winner.Source, claims.Count > 1 && claims.Any(c => c.Value != winner.Value) ? RuleIds.ProfilePrecedence : winner.RuleId, winner.At);
        var changed = before != winner.Value || !state.Provenance.TryGetValue(field, out var old) || old != provenance;
        state.Provenance[field] = provenance;
        return changed;
    }

    /// <summary>The claim shown: highest trust, then most recent, then the smallest value (so the choice never depends on order).</summary>
    public static FieldClaim Winner(IReadOnlyList<FieldClaim> claims) =>
        claims.OrderByDescending(c => c.Trust).ThenByDescending(c => c.At).ThenBy(c => c.Value, StringComparer.Ordinal).First();

    private const string Weights = "view 1, click 2, cart 3, favourite 3, purchase 5, remove from cart -2, cancel -5, rating (stars - 2.5) x 2";

    private int TrustOf(string source) => options.SourceTrust.TryGetValue(source, out var trust) ? trust : options.DefaultTrust;

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
            Age = AgeAt(state, asOf),
            Gender = state.Gender,
            Conflicts = Conflicts(state),
            Completeness = Completeness(state),
            Provenance = new Dictionary<string, Provenance>(state.Provenance),
            Ingest = counters,
            Attributes = [.. Top(state.Attributes, state, asOf).Select(w => w.Value.IndexOf('=', StringComparison.Ordinal) is var at and > 0
                ? new AttributeInterest(w.Value[..at], w.Value[(at + 1)..], w.Weight)
                : new AttributeInterest(w.Value, string.Empty, w.Weight))],
        };
    }

    /// <summary>
    /// The age shown at <paramref name="asOf"/>: from the winning birth year (claims made since ages are kept as birth
    /// years) or, in state written before, the age as it was sent.
    /// </summary>
    private static int? AgeAt(ProfileState state, DateTime asOf) =>
        state.Age is { } value && state.Claims.ContainsKey(ProfileFields.Age) ? Math.Max(0, asOf.Year - value) : state.Age;

    private static Dictionary<string, FieldConflict> Conflicts(ProfileState state)
    {
        var conflicts = new Dictionary<string, FieldConflict>(StringComparer.Ordinal);
        foreach (var (field, claims) in state.Claims)
        {
            if (claims.Count > 1 && claims.Any(c => c.Value != claims[0].Value))
            {
                var winner = Winner(claims);
                conflicts[field] = new FieldConflict(winner, [.. claims.Where(c => !ReferenceEquals(c, winner)).OrderByDescending(c => c.Trust).ThenByDescending(c => c.At)]);
            }
        }

        return conflicts;
    }

    /// <summary>Per field of the profile: how it is derived, its last provenance, and (age, gender) every claim.</summary>
    public Dictionary<string, FieldExplanation> Explain(ProfileState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var halfLife = options.HalfLife.TotalDays.ToString("0.##", CultureInfo.InvariantCulture);
        var how = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ProfileFields.Counts] = "applied events per type (accepted and repaired; duplicates and quarantined events never count)",
            [ProfileFields.Categories] = $"sum of event weights per category path ({Weights}), halved every {halfLife} days, top {options.TopN} of at most {options.MaxInterests}",
            [ProfileFields.Brands] = $"sum of event weights per brand ({Weights}), halved every {halfLife} days, top {options.TopN} of at most {options.MaxInterests}",
            [ProfileFields.Items] = $"sum of event weights per item ({Weights}), halved every {halfLife} days, top {options.TopN} of at most {options.MaxItemInterests}",
            [ProfileFields.SearchTerms] = $"search queries, lower case, 1 per search, halved every {halfLife} days, top {options.TopN} of at most {options.MaxInterests}",
            [ProfileFields.RecentItems] = $"the last {options.RecentItems} distinct items of events with a positive weight, newest first",
            [ProfileFields.Spend] = "purchases minus cancellations (unit price × quantity) per currency",
            [ProfileFields.Attributes] = $"attribute spans the tagger found in queries and item titles, weighted like their events, halved every {halfLife} days",
            [ProfileFields.Age] = "birth year claimed by each source (registry: declared; events: age at the event's time), highest source trust then most recent wins; shown as the age now",
            [ProfileFields.Gender] = "gender claimed by each source, normalised; highest source trust then most recent wins",
        };
        return how.ToDictionary(
            p => p.Key,
            p => new FieldExplanation(p.Value, state.Provenance.GetValueOrDefault(p.Key), state.Claims.TryGetValue(p.Key, out var claims) ? [.. claims.OrderByDescending(c => c.Trust).ThenByDescending(c => c.At)] : []),
            StringComparer.Ordinal);
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
