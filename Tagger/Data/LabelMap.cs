using System.Text;

namespace Esrs.Tagging.Data;

/// <summary>BIO labels: <c>O</c> first, then <c>B-X</c>, <c>I-X</c> for each attribute, in a fixed order.</summary>
public sealed class LabelMap
{
    /// <summary>Label id of word pieces that carry no label (continuations, special tokens): ignored by the loss.</summary>
    public const int Ignore = -100;

    /// <summary>
    /// Label ids at or below this mark a word whose label is unknown except that it does not continue the span before it
    /// (partial supervision: the word after a distantly labelled span). <see cref="NotInside"/> encodes which.
    /// </summary>
    public const int NotInsideBase = -1_000;

    /// <summary>The label id of a word that may be anything but <c>I-X</c> of <paramref name="insideId"/>'s attribute.</summary>
    public static int NotInside(int insideId) => NotInsideBase - insideId;

    /// <summary>The <c>I-X</c> label a <see cref="NotInside"/> id rules out, or null when <paramref name="id"/> is not one.</summary>
    public static int? RuledOut(int id) => id <= NotInsideBase ? NotInsideBase - id : null;

    private readonly Dictionary<string, int> _ids;

    public LabelMap(IEnumerable<string> attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        Attributes = [.. attributes.Select(Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Labels = ["O", .. Attributes.SelectMany(a => new[] { "B-" + a, "I-" + a })];
        _ids = Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Attributes { get; }

    public IReadOnlyList<string> Labels { get; }

    public int Count => Labels.Count;

    public int Begin(string attribute) => _ids["B-" + Normalize(attribute)];

    public int Inside(string attribute) => _ids["I-" + Normalize(attribute)];

    /// <summary>The attribute of a B/I label id, and whether it begins a span; null for <c>O</c>.</summary>
    public (string Attribute, bool Begins)? Describe(int id) =>
        id <= 0 || id >= Labels.Count ? null : (Labels[id][2..], Labels[id][0] == 'B');

    /// <summary>The attribute name as the BIO file writes it: upper case, non-alphanumerics as <c>_</c> (<c>Model name</c> → <c>MODEL_NAME</c>).</summary>
    public static string Normalize(string attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        var builder = new StringBuilder(attribute.Length);
        foreach (var c in attribute.Trim())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return builder.ToString();
    }
}
