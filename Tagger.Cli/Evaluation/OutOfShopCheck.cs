using System.IO.Hashing;
using System.Text;
using Esrs.Tagging.Data;
using Esrs.Tagging.Training;

namespace Esrs.Tagging.Evaluation;

/// <summary>
/// The out-of-shop dev check: titles of another marketplace (Flipkart, India: apparel, home, jewellery...) whose catalogue
/// brand occurs in the title, that brand as the one gold BRAND span. Only brands of a held-out fifth (by a hash of the
/// brand) are used, and distant supervision never trains on them. Scored on BRAND predictions only: precision counts
/// BRAND spans that are not the catalogue brand as wrong, recall counts the catalogue brand missed.
/// </summary>
public static class OutOfShopCheck
{
    /// <summary>Whether a brand belongs to the held-out fifth (check only, never trained on).</summary>
    public static bool IsHeldOut(string brand)
    {
        ArgumentNullException.ThrowIfNull(brand);
        return XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(brand.Trim().ToLowerInvariant())) % 5 == 0;
    }

    /// <summary>Check titles: one distinct title per held-out brand and name, at most <paramref name="limit"/>, in file order.</summary>
    public static List<OaMineTitle> Titles(string catalogPath, int limit = 600)
    {
        var examples = Augmenter.FlipkartBrands(catalogPath, heldOut: true);
        // At most 3 titles per brand: a few big brands must not make the check.
        return [.. examples.GroupBy(e => e.Text[e.Spans[0].Start..e.Spans[0].End].ToLowerInvariant()).SelectMany(g => g.Take(3))
            .Take(limit).Select((e, i) => new OaMineTitle($"flipkart-{i}", "check", "flipkart", e.Text, e.Spans))];
    }

    /// <summary>BRAND-only strict-span scores of <paramref name="predicted"/> on the check titles.</summary>
    public static SpanMetrics Score(IReadOnlyList<OaMineTitle> titles, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(predicted);
        var metrics = new SpanMetrics();
        for (var i = 0; i < titles.Count; i++)
        {
            metrics.Add(titles[i].Spans, predicted[i].Where(s => s.Label == "BRAND"));
        }

        return metrics;
    }
}
