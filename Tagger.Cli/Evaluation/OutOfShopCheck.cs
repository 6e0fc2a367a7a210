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
    /// Check titles for each of <see cref="SpecificationKeys"/>: Flipkart titles in which a value of the product's own
    /// specification (e.g. <c>Ideal For: Women's</c>) occurs as a whole token, that occurrence as the one gold span; one per
    /// distinct title. Nothing of these is ever trained on (distant supervision labels brands only).
    /// </summary>
    public static List<(string Label, List<OaMineTitle> Titles)> SpecificationTitles(string catalogPath, string detailsPath)
    {
        Dictionary<string, List<(string Key, string Value)>> specifications;
        using (var details = File.OpenRead(detailsPath))
        {
            specifications = Datasets.FlipkartCatalog.ReadSpecifications(details);
        }

        var checks = SpecificationKeys.Keys.Select(label => (Label: label, Titles: new List<OaMineTitle>(), Seen: new HashSet<string>(StringComparer.OrdinalIgnoreCase))).ToList();
        using var catalog = File.OpenRead(catalogPath);
        foreach (var product in Datasets.FlipkartCatalog.ReadProducts(catalog))
        {
            if (!specifications.TryGetValue(product.UniqId, out var pairs))
            {
                continue;
            }

            var title = Augmenter.CatalogueTitle(product);
            foreach (var (label, titles, seen) in checks)
            {
                var keys = SpecificationKeys[label];
                foreach (var (_, value) in pairs.Where(p => keys.Contains(p.Key, StringComparer.Ordinal) && p.Value.Length > 1))
                {
                    var at = IndexOfToken(title, value);
                    if (at >= 0 && seen.Add(title))
                    {
                        titles.Add(new OaMineTitle($"flipkart-{label.ToLowerInvariant()}-{titles.Count}", "check", "flipkart", title, [new LabeledSpan(at, at + value.Length, label)]));
                        break;
                    }
                }
            }
        }

        return [.. checks.Select(c => (c.Label, c.Titles))];
    }

    /// <summary>Where <paramref name="value"/> occurs as whole words, not followed by an apostrophe and a letter ("Women" is not in "Women's").</summary>
    private static int IndexOfToken(string text, string value)
    {
        for (var at = text.IndexOf(value, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(value, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + value.Length;
            var startsWord = at == 0 || !char.IsLetterOrDigit(text[at - 1]);
            var endsWord = end == text.Length || !char.IsLetterOrDigit(text[end]);
            var possessive = end + 1 < text.Length && text[end] is ('\'' or '\u2019') && char.IsLetter(text[end + 1]);
            if (startsWord && endsWord && !possessive)
            {
                return at;
            }
        }

        return -1;
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
