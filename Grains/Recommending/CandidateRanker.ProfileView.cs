using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Recommending;

public sealed partial class CandidateRanker
{
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
