using Esrs.Tagging.Data;

namespace Esrs.Tagging.Evaluation;

/// <summary>
/// The plain baseline: every value the training titles label, tagged wherever it occurs again (case-insensitive, whole
/// words, longest value first, no overlaps; a value labelled two ways takes its most frequent label).
/// </summary>
public sealed class ValueDictionary
{
    private readonly List<(string Value, string Label)> _values;

    public ValueDictionary(IEnumerable<OaMineTitle> titles)
    {
        ArgumentNullException.ThrowIfNull(titles);
        _values = [.. titles.SelectMany(t => t.Spans.Select(s => (Value: t.Title[s.Start..s.End].Trim(), s.Label)))
            .Where(p => p.Value.Length > 1)
            .GroupBy(p => p.Value.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Label: g.GroupBy(p => p.Label, StringComparer.Ordinal).OrderByDescending(l => l.Count()).ThenBy(l => l.Key, StringComparer.Ordinal).First().Key))
            .OrderByDescending(p => p.Value.Length).ThenBy(p => p.Value, StringComparer.Ordinal)];
    }

    public int Count => _values.Count;

    public List<LabeledSpan> Tag(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var taken = new bool[text.Length];
        var spans = new List<LabeledSpan>();
        foreach (var (value, label) in _values)
        {
            for (var at = text.IndexOf(value, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.OrdinalIgnoreCase))
            {
                var end = at + value.Length;
                var wholeWord = (at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end]));
                if (wholeWord && !taken.AsSpan(at, value.Length).Contains(true))
                {
                    taken.AsSpan(at, value.Length).Fill(true);
                    spans.Add(new LabeledSpan(at, end, label));
                }
            }
        }

        return [.. spans.OrderBy(s => s.Start)];
    }
}
