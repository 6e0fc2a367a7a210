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
    /// <param name="tagger">The tagger.</param>
    /// <param name="titles">The titles.</param>
    /// <param name="typed">
    /// Whether each title's product type is given (<see cref="Tagger.Tag"/>: its spans limited to the type's attributes, as a
    /// shop that knows an item's type and that type's attributes would tag it); false: the title alone.
    /// </param>
    public static List<IReadOnlyList<LabeledSpan>> Predict(Tagger tagger, IReadOnlyList<OaMineTitle> titles, bool typed = false)
    {
        ArgumentNullException.ThrowIfNull(tagger);
        ArgumentNullException.ThrowIfNull(titles);
        if (typed && tagger.ProductTypes is null)
        {
            throw new InvalidOperationException($"{tagger.Version} knows no product types to tag titles with theirs.");
        }

        IReadOnlyList<string?>? types = typed ? [.. titles.Select(t => t.Category)] : null;
        return [.. tagger.Tag([.. titles.Select(t => t.Title)], batchSize: 64, types).Select(p => (IReadOnlyList<LabeledSpan>)[.. p.Select(s => new LabeledSpan(s.Start, s.End, s.Label))])];
    }

    /// <summary>The attributes each product type of <paramref name="titles"/> is labelled with (what training keeps in the checkpoint).</summary>
    public static ProductTypes ProductTypesOf(IEnumerable<OaMineTitle> titles, bool inInput = false)
    {
        ArgumentNullException.ThrowIfNull(titles);
        return ProductTypes.FromTitles(titles.Select(t => (t.Category, t.Spans.Select(s => s.Label))), inInput);
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
