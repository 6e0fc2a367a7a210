using Esrs.Profiles;

namespace Esrs.Recommending;

/// <summary>
/// Re-ranks a search engine's candidates by one user's live profile. Each signal is in [0, 1] and relative to the
/// user's own strongest interest of its kind, so decay needs no clock here (all weights of a profile share its decay
/// epoch): item interest; recency (1 / (1 + position) in the recent items); category (the longest shared prefix of the
/// paths, segments split on <c>/</c>, <c>&gt;</c> or <c>|</c>); brand; search terms (share of a query's words found in the
/// title); tagged attributes; price (closeness to the user's mean purchase price, one currency only). The profile
/// score is their weighted sum; the final score blends in the engine's own score (normalised to its maximum, or the
/// given order when it sent none): <c>blend · engine + (1 − blend) · profile</c>. Plain code, no Orleans.
/// </summary>
public sealed partial class CandidateRanker(RankOptions options)
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
}
