using System.Text;

namespace Esrs.Tagging.Data;

/// <summary>BIO labels: <c>O</c> first, then <c>B-X</c>, <c>I-X</c> for each attribute, in a fixed order.</summary>
public sealed class LabelMap
{
    /// <summary>Label id of word pieces that carry no label (continuations, special tokens): ignored by the loss.</summary>
    public const int Ignore = -100;

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
