using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Recommending;

/// <summary>How much each profile signal counts when candidates are re-ranked (configuration section <c>Esrs:Rank</c>).</summary>
public sealed class RankOptions
{
    public const string SectionName = "Esrs:Rank";

    public double Item { get; set; } = 0.30;
    public double Recent { get; set; } = 0.10;
    public double Category { get; set; } = 0.20;
    public double Brand { get; set; } = 0.15;
    public double Search { get; set; } = 0.15;
    public double Attribute { get; set; } = 0.10;
    public double Price { get; set; } = 0.05;

    /// <summary>Most candidates one request may send.</summary>
    public int MaxCandidates { get; set; } = 500;

    /// <summary>Explanations returned per item.</summary>
    public int MaxBecause { get; set; } = 3;
}

/// <summary>
/// Re-ranks a search engine's candidates by one user's live profile. Each signal is in [0, 1] and relative to the
/// user's own strongest interest of its kind, so decay needs no clock here (all weights of a profile share its decay
/// epoch): item interest; recency (1 / (1 + position) in the recent items); category (the longest shared prefix of the
/// paths, segments split on <c>/</c>, <c>&gt;</c> or <c>|</c>); brand; search terms (share of a query's words found in the
/// title); tagged attributes; price (closeness to the user's mean purchase price, one currency only). The profile
/// score is their weighted sum; the final score blends in the engine's own score (normalised to its maximum, or the
/// given order when it sent none): <c>blend · engine + (1 − blend) · profile</c>. Plain code, no Orleans.
/// </summary>
public sealed class CandidateRanker(RankOptions options)
{
    private static readonly char[] PathSeparators = ['/', '>', '|'];

    public RankResult Rank(ProfileState state, IReadOnlyList<RankCandidate> candidates, double blend)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfLessThan(blend, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blend, 1);
        var engine = EngineScores(candidates);
        if (!HasProfile(state))
        {
            // Nothing known of this user: the engine's order, flagged.
            return new RankResult(false, [.. candidates.Select((c, i) => new RankedItem(c.ItemId, engine[i], []))]);
        }

        var profile = new ProfileView(state);
        var ranked = new List<(RankedItem Item, int Index)>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var because = new List<Because>(4);
            var personal = 0.0;
            personal += Add(because, "item", c.ItemId, options.Item, profile.Item(c.ItemId), blend);
            personal += Add(because, "recent", c.ItemId, options.Recent, profile.Recency(c.ItemId), blend);
            var (category, categoryMatch) = profile.Category(c.CategoryPath);
            personal += Add(because, "category", category, options.Category, categoryMatch, blend);
            var (brand, brandMatch) = profile.Brand(c.Brand);
            personal += Add(because, "brand", brand, options.Brand, brandMatch, blend);
            var (term, termMatch) = profile.Search(c.Title);
            personal += Add(because, "search", term, options.Search, termMatch, blend);
            var (attribute, attributeMatch) = profile.Attribute(c.Attributes, c.Title);
            personal += Add(because, "attribute", attribute, options.Attribute, attributeMatch, blend);
            personal += Add(because, "price", c.Price?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, options.Price, profile.Price(c.Price), blend);
            var score = (blend * engine[i]) + ((1 - blend) * personal);
            ranked.Add((new RankedItem(c.ItemId, score, [.. because.OrderByDescending(b => b.Weight).Take(options.MaxBecause)]), i));
        }

        ranked.Sort((a, b) => b.Item.Score.CompareTo(a.Item.Score) is var order and not 0 ? order : a.Index.CompareTo(b.Index));
        return new RankResult(true, [.. ranked.Select(r => r.Item)]);
    }

    /// <summary>Whether the user has anything applied to the profile.</summary>
    public static bool HasProfile(ProfileState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.LastSeen is not null;
    }

    private static double Add(List<Because> because, string signal, string value, double weight, double match, double blend)
    {
        if (match <= 0 || weight <= 0)
        {
            return 0;
        }

        var contribution = weight * match;
        because.Add(new Because(signal, value, Math.Round((1 - blend) * contribution, 4)));
        return contribution;
    }

    private static double[] EngineScores(IReadOnlyList<RankCandidate> candidates)
    {
        var scores = new double[candidates.Count];
        var max = candidates.Max(c => c.Score is { } s && double.IsFinite(s) ? Math.Max(s, 0) : 0);
        var any = candidates.Any(c => c.Score.HasValue);
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = any
                ? max > 0 && candidates[i].Score is { } s ? Math.Max(s, 0) / max : 0
                : 1 - ((double)i / candidates.Count);
        }

        return scores;
    }

    /// <summary>The profile's maps, read once per request.</summary>
    private sealed class ProfileView
    {
        private readonly ProfileState _state;
        private readonly double _maxItem;
        private readonly double _maxCategory;
        private readonly double _maxBrand;
        private readonly double _searchTotal;
        private readonly double _maxAttribute;
        private readonly Dictionary<string, double> _brands;
        private readonly List<(string Path, string[] Segments, double Weight)> _categories;
        private readonly List<(string Term, string[] Words, double Weight)> _terms;
        private readonly decimal? _meanPrice;

        public ProfileView(ProfileState state)
        {
            _state = state;
            _maxItem = MaxPositive(state.Items.Values);
            _maxCategory = MaxPositive(state.Categories.Values);
            _maxBrand = MaxPositive(state.Brands.Values);
            _maxAttribute = MaxPositive(state.Attributes.Values);
            _brands = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
            foreach (var (brand, weight) in state.Brands)
            {
                _brands[brand] = Math.Max(_brands.GetValueOrDefault(brand), weight);
            }

            _categories = [.. state.Categories.Where(c => c.Value > 0).Select(c => (c.Key, Segments(c.Key), c.Value))];
            _terms = [.. state.SearchTerms.Where(t => t.Value > 0).Select(t => (t.Key, Words(t.Key), t.Value))];
            _searchTotal = _terms.Sum(t => t.Weight);
            var purchases = state.Counts.Length > (int)EventType.Purchase ? state.Counts[(int)EventType.Purchase] : 0;
            if (state.Spend.Count == 1 && purchases > 0 && state.Spend.Values.Single() is var spend and > 0)
            {
                _meanPrice = spend / purchases;
            }
        }

        public double Item(string item) => _maxItem > 0 && _state.Items.TryGetValue(item, out var w) && w > 0 ? w / _maxItem : 0;

        public double Recency(string item)
        {
            var position = _state.RecentItems.IndexOf(item);
            return position < 0 ? 0 : 1.0 / (1 + position);
        }

        public (string Value, double Match) Category(string? path)
        {
            if (_maxCategory <= 0 || Normalise(path) is not { } normal)
            {
                return (string.Empty, 0);
            }

            var segments = Segments(normal);
            var best = (Value: string.Empty, Match: 0.0);
            foreach (var (userPath, userSegments, weight) in _categories)
            {
                var shared = 0;
                while (shared < segments.Length && shared < userSegments.Length && string.Equals(segments[shared], userSegments[shared], StringComparison.OrdinalIgnoreCase))
                {
                    shared++;
                }

                var match = shared == 0 ? 0 : weight / _maxCategory * shared / Math.Max(segments.Length, userSegments.Length);
                if (match > best.Match)
                {
                    best = (userPath, match);
                }
            }

            return best;
        }

        public (string Value, double Match) Brand(string? brand) =>
            _maxBrand > 0 && Normalise(brand) is { } normal && _brands.TryGetValue(normal, out var w) && w > 0 ? (normal.ToLowerInvariant(), w / _maxBrand) : (string.Empty, 0);

        public (string Value, double Match) Search(string? title)
        {
            if (_searchTotal <= 0 || Normalise(title) is not { } normal)
            {
                return (string.Empty, 0);
            }

            var words = new HashSet<string>(Words(normal), StringComparer.OrdinalIgnoreCase);
            var best = (Value: string.Empty, Part: 0.0);
            var total = 0.0;
            foreach (var (term, termWords, weight) in _terms)
            {
                if (termWords.Length == 0)
                {
                    continue;
                }

                var found = termWords.Count(words.Contains);
                var part = weight * found / termWords.Length;
                total += part;
                if (part > best.Part)
                {
                    best = (term, part);
                }
            }

            return (best.Value, total / _searchTotal);
        }

        public (string Value, double Match) Attribute(IReadOnlyDictionary<string, string>? attributes, string? title)
        {
            if (_maxAttribute <= 0)
            {
                return (string.Empty, 0);
            }

            var best = (Value: string.Empty, Match: 0.0);
            if (attributes is not null)
            {
                foreach (var (label, value) in attributes)
                {
                    var key = label.ToUpperInvariant() + "=" + string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
                    if (_state.Attributes.TryGetValue(key, out var w) && w / _maxAttribute > best.Match)
                    {
                        best = (key, w / _maxAttribute);
                    }
                }
            }

            if (best.Match == 0 && Normalise(title)?.ToLowerInvariant() is { } lower)
            {
                // Without attributes from the engine, a tagged value the title spells out counts too.
                foreach (var (key, w) in _state.Attributes)
                {
                    var at = key.IndexOf('=', StringComparison.Ordinal);
                    if (at > 0 && at < key.Length - 1 && w / _maxAttribute > best.Match && ContainsWord(lower, key[(at + 1)..]))
                    {
                        best = (key, w / _maxAttribute);
                    }
                }
            }

            return best;
        }

        public double Price(decimal? price)
        {
            if (_meanPrice is not { } mean || price is not { } p || p <= 0)
            {
                return 0;
            }

            var ratio = (double)(p / mean);
            return Math.Min(ratio, 1 / ratio);
        }

        private static bool ContainsWord(string text, string phrase)
        {
            var at = text.IndexOf(phrase, StringComparison.Ordinal);
            while (at >= 0)
            {
                var end = at + phrase.Length;
                if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
                {
                    return true;
                }

                at = text.IndexOf(phrase, at + 1, StringComparison.Ordinal);
            }

            return false;
        }

        private static double MaxPositive(IEnumerable<double> values) => values.DefaultIfEmpty(0).Max() is var max and > 0 ? max : 0;

        private static string? Normalise(string? text) => TextNormalizer.Normalize(text, 512, out _, out _);

        private static string[] Segments(string path) => [.. path.Split(PathSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

        private static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }
}
