using System.Runtime.InteropServices;
using Esrs.Datasets;
using Esrs.Tagging.Data;

namespace Esrs.Tagging.Training;

/// <summary>
/// The examples taken from the Flipkart catalogue: distantly supervised brands and materials, and the unlabelled titles
/// and teacher's spans of self-training. None of them is a title an out-of-shop check scores.
/// </summary>
public sealed partial class Augmenter
{
    /// <summary>
    /// Titles from the Flipkart catalogue whose brand occurs in the title at word boundaries, one BRAND span each, one per
    /// distinct title. Brands of the out-of-shop check (<see cref="Evaluation.OutOfShopCheck.IsHeldOut"/>) are left out,
    /// or, with <paramref name="heldOut"/>, are the only ones kept.
    /// </summary>
    public static List<TrainingExample> FlipkartBrands(string catalogPath, string brandLabel = "BRAND", bool heldOut = false)
    {
        using var file = File.OpenRead(catalogPath);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<TrainingExample>();
        foreach (var product in FlipkartCatalog.ReadProducts(file))
        {
            var title = CatalogueTitle(product);
            if (product.Brand is not { Length: > 1 } brand || Evaluation.OutOfShopCheck.IsHeldOut(brand) != heldOut || !seen.Add(title))
            {
                continue;
            }

            var at = IndexOfWord(title, brand.Trim());
            if (at >= 0)
            {
                examples.Add(new TrainingExample(title, [new LabeledSpan(at, at + brand.Trim().Length, brandLabel)], Partial: true));
            }
        }

        return examples;
    }

    /// <summary>
    /// Words that name a material, from the catalogue's own specifications: the values under the MATERIAL check's keys
    /// (<see cref="Evaluation.OutOfShopCheck.SpecificationKeys"/>: Material, Outer Material, Fabric, ...) of the detailed
    /// products whose titles that check does not score (none of their values is in their title), split into single
    /// materials ("Polyamide, Nylon" is two; "100% Cotton" is "cotton"), lower-cased, kept when two products or more name
    /// it and it names a material by itself (not "fabric", "blended" or "net"). Longest first.
    /// </summary>
    public static List<string> FlipkartMaterialWords(string catalogPath, string detailsPath)
    {
        var keys = Evaluation.OutOfShopCheck.SpecificationKeys["MATERIAL"];
        Dictionary<string, List<(string Key, string Value)>> specifications;
        using (var details = File.OpenRead(detailsPath))
        {
            specifications = FlipkartCatalog.ReadSpecifications(details);
        }

        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var file = File.OpenRead(catalogPath))
        {
            foreach (var product in FlipkartCatalog.ReadProducts(file).Where(p => specifications.ContainsKey(p.UniqId)))
            {
                titles[product.UniqId] = CatalogueTitle(product);
            }
        }

        var products = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (id, pairs) in specifications)
        {
            var values = pairs.Where(p => keys.Contains(p.Key, StringComparer.Ordinal) && p.Value.Length > 1).Select(p => p.Value).ToList();
            if (!titles.TryGetValue(id, out var title) || values.Any(v => IndexOfWord(title, v) >= 0))
            {
                continue;
            }

            foreach (var word in values.SelectMany(MaterialsIn).Distinct(StringComparer.Ordinal))
            {
                CollectionsMarshal.GetValueRefOrAddDefault(products, word, out _)++;
            }
        }

        return [.. products.Where(p => p.Value >= 2).Select(p => p.Key).OrderByDescending(w => w.Length).ThenBy(w => w, StringComparer.Ordinal)];
    }

    private static readonly HashSet<string> NotAMaterial = new(StringComparer.Ordinal) { "fabric", "blended", "blend", "blends", "knitted", "net", "mixed", "other", "others", "na" };

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d+(\.\d+)?\s*%\s*")]
    private static partial System.Text.RegularExpressions.Regex Share();

    /// <summary>The single materials a specification value names: split at commas, ampersands, slashes and "and", shares dropped.</summary>
    internal static IEnumerable<string> MaterialsIn(string value)
    {
        foreach (var part in value.Split([',', '&', '/', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(p => p.Split(" and ", StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var word = Share().Replace(part, "").Trim().ToLowerInvariant();
            if (word.Length is >= 3 and <= 30 && word.Split(' ').Length <= 3 && word.All(c => char.IsLetter(c) || c is ' ' or '-') && !NotAMaterial.Contains(word))
            {
                yield return word;
            }
        }
    }

    /// <summary>
    /// The distant pool with materials (<see cref="AugmentationOptions.Materials"/>): distinct Flipkart titles, each material
    /// word of <paramref name="materialWords"/> in them (at word boundaries, longest first, no overlaps) a MATERIAL span and,
    /// with <paramref name="brands"/>, the brand a BRAND span as <see cref="FlipkartBrands"/> finds it; titles with no span
    /// are dropped. Every product an out-of-shop check scores is left out: brands of the held-out fifth and every title of
    /// a detailed product (the GENDER and MATERIAL checks read those), so the checks stay unseen.
    /// </summary>
    public static List<TrainingExample> FlipkartMaterials(string catalogPath, string detailsPath, IReadOnlyList<string> materialWords, bool brands, string brandLabel = "BRAND", string materialLabel = "MATERIAL")
    {
        ArgumentNullException.ThrowIfNull(materialWords);
        var (detailed, products) = ReadCatalogue(catalogPath, detailsPath);

        // By title, not by product: the catalogue lists many titles under several products.
        var scored = products.Where(p => detailed.Contains(p.UniqId)).Select(CatalogueTitle).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var examples = new List<TrainingExample>();
        foreach (var product in products)
        {
            var title = CatalogueTitle(product);
            if (title.Length == 0 || scored.Contains(title) || (product.Brand is { Length: > 1 } held && Evaluation.OutOfShopCheck.IsHeldOut(held)) || !seen.Add(title))
            {
                continue;
            }

            // The brand is a span when brands are taught; either way no material is read inside it ("Cotton World").
            var spans = new List<LabeledSpan>();
            var brandAt = product.Brand is { Length: > 1 } brand ? (Start: IndexOfWord(title, brand.Trim()), Length: brand.Trim().Length) : (Start: -1, Length: 0);
            if (brands && brandAt.Start >= 0)
            {
                spans.Add(new LabeledSpan(brandAt.Start, brandAt.Start + brandAt.Length, brandLabel));
            }

            foreach (var word in materialWords)
            {
                for (var start = IndexOfWord(title, word); start >= 0; start = IndexOfWord(title, word, start + 1))
                {
                    var end = start + word.Length;
                    var outsideBrand = brandAt.Start < 0 || end <= brandAt.Start || start >= brandAt.Start + brandAt.Length;
                    if (outsideBrand && spans.All(s => end <= s.Start || start >= s.End))
                    {
                        spans.Add(new LabeledSpan(start, end, materialLabel));
                    }
                }
            }

            if (spans.Count > 0)
            {
                examples.Add(new TrainingExample(title, [.. spans.OrderBy(s => s.Start)], Partial: true));
            }
        }

        return examples;
    }

    /// <summary>
    /// Unlabelled Flipkart titles for self-training, at most <paramref name="limit"/>, drawn with <paramref name="seed"/>:
    /// distinct titles, leaving out every product an out-of-shop check scores (brands of the held-out fifth; the products
    /// whose specifications the GENDER and MATERIAL checks read), so the checks stay unseen.
    /// </summary>
    public static List<string> SelfTrainingTitles(string catalogPath, string detailsPath, int limit, int seed)
    {
        var (specified, products) = ReadCatalogue(catalogPath, detailsPath);

        // By title, not by product: the catalogue lists many titles under several products.
        var scored = products.Where(p => specified.Contains(p.UniqId) || (p.Brand is { Length: > 1 } brand && Evaluation.OutOfShopCheck.IsHeldOut(brand)))
            .Select(CatalogueTitle).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var titles = products.Select(CatalogueTitle).Where(t => t.Length > 0 && !scored.Contains(t)).Distinct(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(titles);
        return [.. titles.Take(limit)];
    }

    /// <summary>The catalogue's products, and the ids of those the details file specifies (whose titles the GENDER and MATERIAL checks read).</summary>
    private static (HashSet<string> Detailed, List<FlipkartProduct> Products) ReadCatalogue(string catalogPath, string detailsPath)
    {
        HashSet<string> detailed;
        using (var details = File.OpenRead(detailsPath))
        {
            detailed = [.. FlipkartCatalog.ReadSpecifications(details).Keys];
        }

        using var file = File.OpenRead(catalogPath);
        return (detailed, [.. FlipkartCatalog.ReadProducts(file)]);
    }

    /// <summary>
    /// Self-training examples: each title with the spans its teacher scored at least <paramref name="threshold"/>, as partial
    /// labels (the words outside them stay out of the loss); titles with no such span are dropped.
    /// </summary>
    public static List<TrainingExample> SelfTrained(IReadOnlyList<string> titles, IReadOnlyList<IReadOnlyList<Inference.TaggedSpan>> tagged, double threshold)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(tagged);
        if (titles.Count != tagged.Count)
        {
            throw new ArgumentException($"{titles.Count} titles but {tagged.Count} taggings.", nameof(tagged));
        }

        var examples = new List<TrainingExample>(titles.Count);
        for (var i = 0; i < titles.Count; i++)
        {
            var sure = tagged[i].Where(s => s.Score >= threshold).Select(s => new LabeledSpan(s.Start, s.End, s.Label)).ToList();
            if (sure.Count > 0)
            {
                examples.Add(new TrainingExample(titles[i], sure, Partial: true));
            }
        }

        return examples;
    }

    /// <summary>
    /// A catalogue product's title as every Flipkart set here uses it (distant supervision, the out-of-shop checks,
    /// self-training): runs of spaces collapsed. One function, so a title left out of training is the same string a check scores.
    /// </summary>
    internal static string CatalogueTitle(FlipkartProduct product) => string.Join(' ', product.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    internal static int IndexOfWord(string text, string word, int from = 0)
    {
        for (var at = text.IndexOf(word, from, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + word.Length;
            if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return at;
            }
        }

        return -1;
    }
}
