using System.IO.Hashing;
using System.Text;
using Esrs.Tagging.Data;
using Esrs.Tagging.Training;

namespace Esrs.Tagging.Evaluation;

/// <summary>
/// The out-of-shop dev checks: titles of another marketplace (Flipkart, India: apparel, home, jewellery...). BRAND: titles
/// whose catalogue brand occurs in the title, that brand as the one gold BRAND span; only brands of a held-out fifth (by a
/// hash of the brand) are used, and distant supervision never trains on them. GENDER and MATERIAL: titles that spell out
/// the value of their own specification (<see cref="SpecificationKeys"/>). Each is scored on its label's predictions
/// only: precision counts spans of the label that are not the gold one as wrong, recall counts the gold span missed.
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

    /// <summary>
    /// The attributes scored from the specifications of Flipkart's first 999 products (the details file), and the keys
    /// whose values are their gold: who a product is for, and what it is made of.
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> SpecificationKeys { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["GENDER"] = ["Ideal For"],
        ["MATERIAL"] = ["Material", "Outer Material", "Base Material", "Sole Material", "Fabric"],
    };

    /// <summary>
    /// Check titles for one of <see cref="SpecificationKeys"/>: Flipkart titles in which a value of the product's own
    /// specification (e.g. <c>Ideal For: Women's</c>) occurs as whole words, that occurrence as the one gold span; one per
    /// distinct title. Nothing of these is ever trained on (distant supervision labels brands only).
    /// </summary>
    public static List<OaMineTitle> SpecificationTitles(string catalogPath, string detailsPath, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var keys = SpecificationKeys[label];
        Dictionary<string, List<(string Key, string Value)>> specifications;
        using (var details = File.OpenRead(detailsPath))
        {
            specifications = Datasets.FlipkartCatalog.ReadSpecifications(details);
        }

        var titles = new List<OaMineTitle>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var catalog = File.OpenRead(catalogPath);
        foreach (var product in Datasets.FlipkartCatalog.ReadProducts(catalog))
        {
            if (!specifications.TryGetValue(product.UniqId, out var pairs))
            {
                continue;
            }

            var title = string.Join(' ', product.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            foreach (var (_, value) in pairs.Where(p => keys.Contains(p.Key, StringComparer.Ordinal) && p.Value.Length > 1))
            {
                var at = Augmenter.IndexOfWord(title, value);
                if (at >= 0 && seen.Add(title))
                {
                    titles.Add(new OaMineTitle($"flipkart-{label.ToLowerInvariant()}-{titles.Count}", "check", "flipkart", title, [new LabeledSpan(at, at + value.Length, label)]));
                    break;
                }
            }
        }

        return titles;
    }

    /// <summary>Strict-span scores of <paramref name="predicted"/>'s spans of <paramref name="label"/> only, on the check titles.</summary>
    public static SpanMetrics Score(IReadOnlyList<OaMineTitle> titles, IReadOnlyList<IReadOnlyList<LabeledSpan>> predicted, string label = "BRAND")
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(predicted);
        var metrics = new SpanMetrics();
        for (var i = 0; i < titles.Count; i++)
        {
            metrics.Add(titles[i].Spans, predicted[i].Where(s => s.Label == label));
        }

        return metrics;
    }
}
