using System.Globalization;
using System.Text;
using Esrs.Tagging.Data;

namespace Esrs.Tagging.Evaluation;

/// <summary>Where a tagger's errors are, per coarse label, and how consistently the training titles are annotated.</summary>
public static class ErrorAnalysis
{
    /// <summary>
    /// Gold spans by coarse label: exact, boundary (same label, overlapping, other boundaries), type (same boundaries, other
    /// label), both (overlapping, other label and boundaries), missed (nothing overlaps); and predicted spans overlapping no gold span.
    /// </summary>
    public static string Table(IReadOnlyList<OaMineTitle> titles, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(predicted);
        var rows = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        int[] Row(string label) => rows.TryGetValue(label, out var row) ? row : rows[label] = new int[6];
        for (var i = 0; i < titles.Count; i++)
        {
            foreach (var gold in titles[i].Spans)
            {
                var overlapping = predicted[i].Where(p => p.Start < gold.End && gold.Start < p.End).ToList();
                var kind = overlapping.Any(p => p == gold) ? 0
                    : overlapping.Any(p => p.Label == gold.Label) ? 1
                    : overlapping.Any(p => p.Start == gold.Start && p.End == gold.End) ? 2
                    : overlapping.Count > 0 ? 3
                    : 4;
                Row(SpanMetrics.Coarse(gold.Label))[kind]++;
            }

            foreach (var p in predicted[i].Where(p => !titles[i].Spans.Any(g => p.Start < g.End && g.Start < p.End)))
            {
                Row(SpanMetrics.Coarse(p.Label))[5]++;
            }
        }

        var table = new StringBuilder();
        table.AppendLine("test errors by coarse gold label: exact | boundary (same label) | type (same boundaries) | both | missed || spurious predictions");
        table.AppendLine(CultureInfo.InvariantCulture, $"{"label",-24}{"exact",8}{"boundary",10}{"type",8}{"both",8}{"missed",8}{"spurious",10}");
        foreach (var (label, r) in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{label,-24}{r[0],8}{r[1],10}{r[2],8}{r[3],8}{r[4],8}{r[5],10}");
        }

        var total = Enumerable.Range(0, 6).Select(k => rows.Values.Sum(r => r[k])).ToArray();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"all",-24}{total[0],8}{total[1],10}{total[2],8}{total[3],8}{total[4],8}{total[5],10}");
        return table.ToString();
    }

    /// <summary>
    /// Annotator agreement on the training titles: every occurrence (case-insensitive, whole words) of a labelled value is
    /// labelled the same way, inside a longer span of the same label (consistent: "women" in "women's"), in conflict (another
    /// label, or a span crossing it), or not at all.
    /// </summary>
    public static string Agreement(IReadOnlyList<OaMineTitle> titles)
    {
        ArgumentNullException.ThrowIfNull(titles);
        var values = titles.SelectMany(t => t.Spans.Select(s => (Value: t.Title[s.Start..s.End].ToLowerInvariant(), s.Label)))
            .Where(v => v.Value.Length > 2)
            .GroupBy(v => v.Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.GroupBy(v => v.Label).OrderByDescending(l => l.Count()).First().Key, StringComparer.Ordinal);
        var rows = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var title in titles)
        {
            var lower = title.Title.ToLowerInvariant();
            foreach (var (value, label) in values)
            {
                for (var at = lower.IndexOf(value, StringComparison.Ordinal); at >= 0; at = lower.IndexOf(value, at + 1, StringComparison.Ordinal))
                {
                    var end = at + value.Length;
                    if ((at > 0 && char.IsLetterOrDigit(lower[at - 1])) || (end < lower.Length && char.IsLetterOrDigit(lower[end])))
                    {
                        continue;
                    }

                    var row = rows.TryGetValue(SpanMetrics.Coarse(label), out var r) ? r : rows[SpanMetrics.Coarse(label)] = new int[4];
                    var exact = title.Spans.FirstOrDefault(s => s.Start == at && s.End == end);
                    var nested = title.Spans.Any(s => s.Label == label && s.Start <= at && end <= s.End);
                    var overlaps = title.Spans.Any(s => s.Start < end && at < s.End);
                    row[exact is not null && exact.Label == label ? 0 : nested ? 1 : overlaps ? 2 : 3]++;
                }
            }
        }

        var table = new StringBuilder();
        table.AppendLine("train annotation agreement: occurrences of a labelled value (its most frequent label) in train titles");
        table.AppendLine(CultureInfo.InvariantCulture, $"{"label",-24}{"same",8}{"nested",8}{"conflict",10}{"unlabelled",12}{"agreement",11}");
        foreach (var (label, r) in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{label,-24}{r[0],8}{r[1],8}{r[2],10}{r[3],12}{(r[0] + r[1]) / (double)Math.Max(1, r.Sum()),11:P0}");
        }

        return table.ToString();
    }
}
