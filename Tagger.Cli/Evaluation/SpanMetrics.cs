using System.Globalization;
using System.Text;
using Esrs.Tagging.Data;

namespace Esrs.Tagging.Evaluation;

/// <summary>Strict span-level precision, recall and F1 (seqeval-style: a predicted span counts only when start, end and label all match), micro and per label.</summary>
public sealed class SpanMetrics
{
    private readonly Dictionary<string, (int Tp, int Fp, int Fn)> _perLabel = new(StringComparer.Ordinal);

    /// <summary>The coarse label of a full OA-Mine label, as the issue reports them.</summary>
    public static string Coarse(string label) => label switch
    {
        "BRAND" or "SUB_BRAND" => "BRAND",
        "COLOR" => "COLOR",
        "SIZE" => "SIZE",
        "MATERIAL" => "MATERIAL",
        "GENDER" => "GENDER",
        "ITEM_FORM" => "ITEM_FORM",
        "FLAVOR" or "SCENT" => "FLAVOR/SCENT",
        "NET_CONTENT" or "PACK_SIZE" or "VOLUME" => "NET_CONTENT/PACK_SIZE",
        _ => "OTHER",
    };

    /// <summary>Adds one text's gold and predicted spans.</summary>
    public void Add(IEnumerable<LabeledSpan> gold, IEnumerable<LabeledSpan> predicted, Func<string, string>? mapLabel = null)
    {
        var map = mapLabel ?? (l => l);
        var goldSet = gold.Select(s => s with { Label = map(s.Label) }).ToHashSet();
        var predictedSet = predicted.Select(s => s with { Label = map(s.Label) }).ToHashSet();
        foreach (var span in predictedSet)
        {
            Count(span.Label, goldSet.Contains(span) ? (1, 0, 0) : (0, 1, 0));
        }

        foreach (var span in goldSet.Where(s => !predictedSet.Contains(s)))
        {
            Count(span.Label, (0, 0, 1));
        }
    }

    public (double Precision, double Recall, double F1, int Support) Micro
    {
        get
        {
            var (tp, fp, fn) = _perLabel.Values.Aggregate((0, 0, 0), (a, v) => (a.Item1 + v.Tp, a.Item2 + v.Fp, a.Item3 + v.Fn));
            return Score(tp, fp, fn);
        }
    }

    public IReadOnlyDictionary<string, (double Precision, double Recall, double F1, int Support)> PerLabel =>
        _perLabel.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => Score(p.Value.Tp, p.Value.Fp, p.Value.Fn), StringComparer.Ordinal);

    public string ToTable()
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"{"label",-28}{"precision",10}{"recall",10}{"f1",10}{"support",9}");
        foreach (var (label, s) in PerLabel)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"{label,-28}{s.Precision,10:F3}{s.Recall,10:F3}{s.F1,10:F3}{s.Support,9}");
        }

        var m = Micro;
        table.AppendLine(CultureInfo.InvariantCulture, $"{"micro",-28}{m.Precision,10:F3}{m.Recall,10:F3}{m.F1,10:F3}{m.Support,9}");
        return table.ToString();
    }

    private void Count(string label, (int Tp, int Fp, int Fn) add)
    {
        var current = _perLabel.GetValueOrDefault(label);
        _perLabel[label] = (current.Tp + add.Tp, current.Fp + add.Fp, current.Fn + add.Fn);
    }

    private static (double, double, double, int) Score(int tp, int fp, int fn)
    {
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1, tp + fn);
    }
}
