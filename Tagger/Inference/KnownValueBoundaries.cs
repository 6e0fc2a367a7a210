using System.Text;

namespace Esrs.Tagging.Inference;

/// <summary>
/// A post-check at span boundaries against the values the training titles label, for labels whose values are a short,
/// mostly closed list (<see cref="Labels"/>: BRAND, GENDER, MATERIAL): a predicted span that is not itself a known value of its label
/// but starts with one (ending where a whole token ends) is cut back to the longest such value. Brands run into the
/// product line ("Philips Sonicare DiamondClean Smart 9700"), genders and materials into the product noun ("Women's Top",
/// "Cotton Bath Towel"); a value the
/// annotators wrote down says where they end. Spans that are known, or that start with no known value, are left alone,
/// so unknown values still tag; nothing is extended or added.
/// </summary>
public sealed class KnownValueBoundaries
{
    /// <summary>The labels checked: chosen on the dev split and the out-of-shop checks (docs/benchmarks.md).</summary>
    public static IReadOnlyList<string> Labels { get; } = ["BRAND", "GENDER", "MATERIAL"];

    private readonly Dictionary<string, HashSet<string>> _values;

    /// <param name="values">Known values by label (any case and spacing); labels outside <see cref="Labels"/> are ignored.</param>
    public KnownValueBoundaries(IReadOnlyDictionary<string, IReadOnlyCollection<string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = values.Where(p => Labels.Contains(p.Key, StringComparer.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value.Select(v => Fold(v)).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>Known values by label, folded (lower case, one space between words), in no particular order.</summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> Values => _values.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value, StringComparer.Ordinal);

    /// <summary>Whether spans of <paramref name="label"/> are checked.</summary>
    public bool Checks(string label) => _values.TryGetValue(label, out var known) && known.Count > 0;

    /// <summary>
    /// The end of the span [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="label"/> in
    /// <paramref name="text"/> after the check; <paramref name="wordEnds"/> are the ends of the words inside the span, ascending.
    /// </summary>
    public int Check(string label, string text, int start, int end, IReadOnlyList<int> wordEnds)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(wordEnds);
        if (!_values.TryGetValue(label, out var known) || known.Contains(Fold(text.AsSpan(start, end - start))))
        {
            return end;
        }

        for (var i = wordEnds.Count - 1; i >= 0; i--)
        {
            var candidate = wordEnds[i];
            if (candidate > start && candidate < end && EndsAToken(text, candidate) && known.Contains(Fold(text.AsSpan(start, candidate - start))))
            {
                return candidate;
            }
        }

        return end;
    }

    /// <summary>
    /// Whether a cut at <paramref name="at"/> ends a whole token: whitespace follows, or a punctuation mark that whitespace
    /// (or the end) follows ("Spring Valley - ...", "Best Naturals, ..."). Never inside "Oral-B" or "Nature's".
    /// </summary>
    private static bool EndsAToken(string text, int at) =>
        at >= text.Length || char.IsWhiteSpace(text[at]) ||
        (char.IsPunctuation(text[at]) && (at + 1 >= text.Length || char.IsWhiteSpace(text[at + 1])));

    /// <summary>Lower case (invariant), whitespace runs as one space, trimmed.</summary>
    public static string Fold(ReadOnlySpan<char> value)
    {
        var builder = new StringBuilder(value.Length);
        var space = false;
        foreach (var c in value.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
