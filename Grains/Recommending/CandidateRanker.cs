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
        var scores = new double[candidates.Count];
        var reasons = new Because[candidates.Count][];
        var found = new List<Because>(8);
        Span<Range> words = stackalloc Range[MaxWords];
        for (var i = 0; i < candidates.Count; i++)
        {
            var c = candidates[i];
            var titleWords = c.Title is { } title ? SplitWords(title, words) : 0;
            found.Clear();
            var personal = 0.0;
            personal += Add(found, "item", c.ItemId, options.Item, profile.Item(c.ItemId), blend);
            personal += Add(found, "recent", c.ItemId, options.Recent, profile.Recency(c.ItemId), blend);
            var (category, categoryMatch) = profile.Category(c.CategoryPath);
            personal += Add(found, "category", category, options.Category, categoryMatch, blend);
            var (brand, brandMatch) = profile.Brand(c.Brand);
            personal += Add(found, "brand", brand, options.Brand, brandMatch, blend);
            var (term, termMatch) = profile.Search(c.Title, words[..titleWords]);
            personal += Add(found, "search", term, options.Search, termMatch, blend);
            var (attribute, attributeMatch) = profile.Attribute(c.Attributes, c.Title, words[..titleWords]);
            personal += Add(found, "attribute", attribute, options.Attribute, attributeMatch, blend);
            var priceMatch = profile.Price(c.Price);
            personal += Add(found, "price", priceMatch > 0 ? c.Price!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty, options.Price, priceMatch, blend);
            scores[i] = (blend * engine[i]) + ((1 - blend) * personal);
            reasons[i] = Strongest(found, options.MaxBecause);
        }

        var order = new int[candidates.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]) is var byScore and not 0 ? byScore : a.CompareTo(b));
        var items = new RankedItem[order.Length];
        for (var r = 0; r < order.Length; r++)
        {
            var i = order[r];
            items[r] = new RankedItem(candidates[i].ItemId, scores[i], reasons[i]);
        }

        return new RankResult(true, items);
    }

    /// <summary>Whether the user has anything applied to the profile.</summary>
    public static bool HasProfile(ProfileState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.LastSeen is not null;
    }

    /// <summary>Words of a title read (letter and digit runs); more are ignored.</summary>
    private const int MaxWords = 64;

    private static int SplitWords(string text, Span<Range> words)
    {
        var count = 0;
        var i = 0;
        while (i < text.Length && count < words.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                words[count++] = new Range(start, i);
            }
        }

        return count;
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

    private static Because[] Strongest(List<Because> found, int max)
    {
        if (found.Count == 0)
        {
            return [];
        }

        // A handful of entries: insertion sort by weight, strongest first, stable.
        for (var i = 1; i < found.Count; i++)
        {
            var current = found[i];
            var j = i - 1;
            while (j >= 0 && found[j].Weight < current.Weight)
            {
                found[j + 1] = found[j];
                j--;
            }

            found[j + 1] = current;
        }

        var result = new Because[Math.Min(max, found.Count)];
        found.CopyTo(0, result, 0, result.Length);
        return result;
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

    /// <summary>
    /// The profile's maps, prepared once per request so that each candidate costs lookups, not allocations: search
    /// terms and tagged attribute values by word (case-insensitive, looked up with spans of the title), recent items
    /// by position, category paths by segment.
    /// </summary>
    private sealed class ProfileView
    {
        private readonly ProfileState _state;
        private readonly double _maxItem;
        private readonly double _maxCategory;
        private readonly double _maxBrand;
        private readonly double _searchTotal;
        private readonly double _maxAttribute;
        private readonly Dictionary<string, int> _recent = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> _brands = new(StringComparer.OrdinalIgnoreCase);
        private readonly List<(string Path, string[] Segments, double Weight)> _categories;
        private readonly List<(string Term, int Offset, int Words, double Weight)> _terms = [];
        private readonly Dictionary<string, List<int>> _termWords = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, List<(string Key, string[] Words, double Weight)>> _phrases = new(StringComparer.OrdinalIgnoreCase);
        private readonly int _termWordCount;
        private readonly decimal? _meanPrice;

        public ProfileView(ProfileState state)
        {
            _state = state;
            _maxItem = MaxPositive(state.Items.Values);
            _maxCategory = MaxPositive(state.Categories.Values);
            _maxBrand = MaxPositive(state.Brands.Values);
            _maxAttribute = MaxPositive(state.Attributes.Values);
            for (var i = 0; i < state.RecentItems.Count; i++)
            {
                _recent.TryAdd(state.RecentItems[i], i);
            }

            foreach (var (brand, weight) in state.Brands)
            {
                _brands[brand] = Math.Max(_brands.GetValueOrDefault(brand), weight);
            }

            _categories = [.. state.Categories.Where(c => c.Value > 0).Select(c => (c.Key, Segments(c.Key), c.Value))];
            foreach (var (term, weight) in state.SearchTerms)
            {
                var words = WordsOf(term);
                if (weight <= 0 || words.Length == 0)
                {
                    continue;
                }

                for (var w = 0; w < words.Length; w++)
                {
                    (_termWords.TryGetValue(words[w], out var slots) ? slots : _termWords[words[w]] = []).Add(_termWordCount + w);
                }

                _terms.Add((term, _termWordCount, words.Length, weight));
                _termWordCount += words.Length;
                _searchTotal += weight;
            }

            foreach (var (key, weight) in state.Attributes)
            {
                var at = key.IndexOf('=', StringComparison.Ordinal);
                var words = at > 0 ? WordsOf(key[(at + 1)..]) : [];
                if (weight > 0 && words.Length > 0)
                {
                    (_phrases.TryGetValue(words[0], out var list) ? list : _phrases[words[0]] = []).Add((key, words, weight));
                }
            }

            var purchases = state.Counts.Length > (int)EventType.Purchase ? state.Counts[(int)EventType.Purchase] : 0;
            if (state.Spend.Count == 1 && purchases > 0 && state.Spend.Values.Single() is var spend and > 0)
            {
                _meanPrice = spend / purchases;
            }
        }

        public double Item(string item) => _maxItem > 0 && _state.Items.TryGetValue(item, out var w) && w > 0 ? w / _maxItem : 0;

        public double Recency(string item) => _recent.TryGetValue(item, out var position) ? 1.0 / (1 + position) : 0;

        public (string Value, double Match) Category(string? path)
        {
            if (_maxCategory <= 0 || string.IsNullOrWhiteSpace(path))
            {
                return (string.Empty, 0);
            }

            Span<Range> segments = stackalloc Range[32];
            var count = 0;
            foreach (var range in path.AsSpan().SplitAny(PathSeparators))
            {
                if (!path.AsSpan()[range].Trim().IsEmpty && count < segments.Length)
                {
                    segments[count++] = range;
                }
            }

            var best = (Value: string.Empty, Match: 0.0);
            foreach (var (userPath, userSegments, weight) in _categories)
            {
                var shared = 0;
                while (shared < count && shared < userSegments.Length
                    && path.AsSpan()[segments[shared]].Trim().Equals(userSegments[shared], StringComparison.OrdinalIgnoreCase))
                {
                    shared++;
                }

                var match = shared == 0 ? 0 : weight / _maxCategory * shared / Math.Max(count, userSegments.Length);
                if (match > best.Match)
                {
                    best = (userPath, match);
                }
            }

            return best;
        }

        public (string Value, double Match) Brand(string? brand) =>
            _maxBrand > 0 && Normalise(brand) is { } normal && _brands.TryGetValue(normal, out var w) && w > 0 ? (normal.ToLowerInvariant(), w / _maxBrand) : (string.Empty, 0);

        public (string Value, double Match) Search(string? title, ReadOnlySpan<Range> words)
        {
            if (_searchTotal <= 0 || title is null || words.IsEmpty)
            {
                return (string.Empty, 0);
            }

            Span<bool> matched = _termWordCount <= 256 ? stackalloc bool[_termWordCount] : new bool[_termWordCount];
            var lookup = _termWords.GetAlternateLookup<ReadOnlySpan<char>>();
            foreach (var word in words)
            {
                if (lookup.TryGetValue(title.AsSpan()[word], out var slots))
                {
                    foreach (var slot in slots)
                    {
                        matched[slot] = true;
                    }
                }
            }

            var best = (Value: string.Empty, Part: 0.0);
            var total = 0.0;
            foreach (var (term, offset, count, weight) in _terms)
            {
                var hits = 0;
                for (var w = 0; w < count; w++)
                {
                    hits += matched[offset + w] ? 1 : 0;
                }

                var part = weight * hits / count;
                total += part;
                if (part > best.Part)
                {
                    best = (term, part);
                }
            }

            return (best.Value, total / _searchTotal);
        }

        public (string Value, double Match) Attribute(IReadOnlyDictionary<string, string>? attributes, string? title, ReadOnlySpan<Range> words)
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

            if (best.Match == 0 && title is not null && _phrases.Count > 0)
            {
                // Without attributes from the engine, a tagged value the title spells out, word for word, counts too.
                var lookup = _phrases.GetAlternateLookup<ReadOnlySpan<char>>();
                for (var i = 0; i < words.Length; i++)
                {
                    if (!lookup.TryGetValue(title.AsSpan()[words[i]], out var phrases))
                    {
                        continue;
                    }

                    foreach (var (key, phrase, weight) in phrases)
                    {
                        if (weight / _maxAttribute > best.Match && Spells(title, words[i..], phrase))
                        {
                            best = (key, weight / _maxAttribute);
                        }
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

        private static bool Spells(string title, ReadOnlySpan<Range> words, string[] phrase)
        {
            if (words.Length < phrase.Length)
            {
                return false;
            }

            for (var w = 0; w < phrase.Length; w++)
            {
                if (!title.AsSpan()[words[w]].Equals(phrase[w], StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }

            return true;
        }

        private static string[] WordsOf(string text)
        {
            Span<Range> ranges = stackalloc Range[MaxWords];
            var count = SplitWords(text, ranges);
            var words = new string[count];
            for (var i = 0; i < count; i++)
            {
                words[i] = text[ranges[i]];
            }

            return words;
        }

        private static double MaxPositive(IEnumerable<double> values) => values.DefaultIfEmpty(0).Max() is var max and > 0 ? max : 0;

        private static string? Normalise(string? text) => TextNormalizer.Normalize(text, 512, out _, out _);

        private static string[] Segments(string path) => [.. path.Split(PathSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
