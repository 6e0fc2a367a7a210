using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Evaluation;

/// <summary>Strict-span scores of a tagger on labelled titles: every label, and the coarse label set.</summary>
public static class Scoring
{
    public static (SpanMetrics Full, SpanMetrics Coarse) Score(Tagger tagger, IReadOnlyList<OaMineTitle> titles)
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(titles);
        return Score(titles, Predict(tagger, titles));
    }

    /// <summary>The tagger's spans of each title, as labelled spans (offsets into the title).</summary>
    public static List<IReadOnlyList<LabeledSpan>> Predict(Tagger tagger, IReadOnlyList<OaMineTitle> titles)
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(titles);
        return [.. tagger.Tag([.. titles.Select(t => t.Title)], batchSize: 64).Select(p => (IReadOnlyList<LabeledSpan>)[.. p.Select(s => new LabeledSpan(s.Start, s.End, s.Label))])];
    }

    public static (SpanMetrics Full, SpanMetrics Coarse) Score(IReadOnlyList<OaMineTitle> titles, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(predicted);
        var full = new SpanMetrics();
        var coarse = new SpanMetrics();
        for (var i = 0; i < titles.Count; i++)
        {
            full.Add(titles[i].Spans, predicted[i]);
            coarse.Add(titles[i].Spans, predicted[i], SpanMetrics.Coarse);
        }

        return (full, coarse);
    }
}
