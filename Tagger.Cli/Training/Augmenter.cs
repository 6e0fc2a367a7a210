using System.Runtime.InteropServices;
using System.Text;
using Esrs.Datasets;
using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tagging.Training;

/// <summary>
/// Builds each epoch's examples: the labelled titles (repeated for rare labels), each transformed by the enabled
/// per-epoch augmentations, plus a fresh draw of distantly supervised catalogue titles.
/// </summary>
public sealed partial class Augmenter
{
    private readonly IReadOnlyList<TrainingExample> _titles;
    private readonly AugmentationOptions _options;
    private readonly IReadOnlyList<TrainingExample> _distant;
    private readonly IReadOnlyList<TrainingExample> _selfTrained;
    private readonly Dictionary<string, string[]> _values;
    private readonly List<TrainingExample> _base;

    public Augmenter(IReadOnlyList<TrainingExample> titles, AugmentationOptions options, IReadOnlyList<TrainingExample>? distant = null, IReadOnlyList<TrainingExample>? selfTrained = null)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(options);
        _titles = titles;
        _options = options;
        _distant = distant ?? [];
        _selfTrained = selfTrained ?? [];
        _values = titles.SelectMany(t => t.Spans.Select(s => (s.Label, Value: t.Text[s.Start..s.End])))
            .GroupBy(p => p.Label, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Value).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        _base = options.Oversample ? Oversampled(titles, options) : [.. titles];
    }

    /// <summary>Labelled titles per epoch before distant examples (more than the input when oversampling).</summary>
    public int BaseCount => _base.Count;

    public List<TrainingExample> Epoch(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var examples = new List<TrainingExample>(_base.Count + _options.DistantPerEpoch + _options.SelfTrainedPerEpoch);
        foreach (var example in _base)
        {
            var current = example;
            if (_options.Substitute)
            {
                current = Substitute(current, random);
            }

            if (_options.Noise)
            {
                current = Noise(current, random, _options.NoiseRate);
            }

            // Drawn last, on the text as augmented: the rest of the time the title comes alone, as a query or an item of
            // another catalogue does, so the model tags both ways. No draw when off: the random stream stays as before.
            if (_options.TypedShare > 0 && current.ProductType is not null && random.NextDouble() < _options.TypedShare)
            {
                current = Typed(current);
            }

            examples.Add(current);
        }

        if ((_options.Distant || _options.Materials) && _distant.Count > 0)
        {
            for (var i = 0; i < _options.DistantPerEpoch; i++)
            {
                var example = _distant[random.Next(_distant.Count)];
                examples.Add(_options.Noise ? Noise(example, random, _options.NoiseRate) : example);
            }
        }

        for (var i = 0; i < _options.SelfTrainedPerEpoch && _selfTrained.Count > 0; i++)
        {
            examples.Add(_selfTrained[random.Next(_selfTrained.Count)]);
        }

        return examples;
    }

    /// <summary>The example with its product type before the title (<see cref="ProductTypes.Prefix"/>), the spans moved after it.</summary>
    public static TrainingExample Typed(TrainingExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var prefix = ProductTypes.Prefix(example.ProductType ?? throw new ArgumentException("The example has no product type.", nameof(example)));
        return example with
        {
            Text = prefix + example.Text,
            Spans = [.. example.Spans.Select(s => s with { Start = s.Start + prefix.Length, End = s.End + prefix.Length })],
        };
    }

    /// <summary>Repeats titles that carry labels with fewer spans than the target (each title at most MaxCopies times in all).</summary>
    public static List<TrainingExample> Oversampled(IReadOnlyList<TrainingExample> titles, AugmentationOptions options)
    {
        ArgumentNullException.ThrowIfNull(titles);
        ArgumentNullException.ThrowIfNull(options);
        var counts = titles.SelectMany(t => t.Spans).GroupBy(s => s.Label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<TrainingExample>(titles.Count * 2);
        foreach (var title in titles)
        {
            // The rarest label of the title decides: a title with one span of a 10-span label is shown ~6 times for a target of 60.
            var copies = title.Spans.Count == 0 ? 1 : title.Spans.Max(s => (int)Math.Ceiling(options.OversampleTarget / (double)counts[s.Label]));
            copies = Math.Clamp(copies, 1, options.OversampleMaxCopies);
            for (var i = 0; i < copies; i++)
            {
                result.Add(title);
            }
        }

        return result;
    }

    /// <summary>Replaces some spans' values by other values of the same label; offsets are rebuilt.</summary>
    public TrainingExample Substitute(TrainingExample example, Random random)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(random);
        return Rebuild(example, (segment, builder) =>
        {
            if (segment.Label is { } label && random.NextDouble() < _options.SubstituteRate && _values.TryGetValue(label, out var values) && values.Length > 1)
            {
                builder.Append(values[random.Next(values.Length)]);
                return true;
            }

            return false;
        });
    }

    /// <summary>
    /// Word-level noise: a word's case changed (lower/UPPER/Title), a typo (two letters swapped, one dropped or doubled),
    /// or an unlabelled word dropped. Labelled words keep their label; the spans follow the edited text.
    /// </summary>
    public static TrainingExample Noise(TrainingExample example, Random random, double rate)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(random);
        return Rebuild(example, (segment, builder) =>
        {
            // Split on single spaces: runs of spaces show up as empty words and are kept as they were.
            var parts = segment.Text.Split(' ');
            var skipSpace = false;
            for (var w = 0; w < parts.Length; w++)
            {
                if (w > 0 && !skipSpace)
                {
                    builder.Append(' ');
                }

                skipSpace = false;
                var word = parts[w];
                if (word.Length == 0 || random.NextDouble() >= rate)
                {
                    builder.Append(word);
                    continue;
                }

                switch (random.Next(segment.Label is null ? 3 : 2))
                {
                    case 0:
                        builder.Append(ChangeCase(word, random));
                        break;
                    case 1:
                        builder.Append(Typo(word, random));
                        break;
                    default:
                        // Dropped, with the space after it (so no double space is left behind).
                        skipSpace = true;
                        break;
                }
            }

            return true;
        });
    }

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

    private static string ChangeCase(string word, Random random) => random.Next(3) switch
    {
        0 => word.ToLowerInvariant(),
        1 => word.ToUpperInvariant(),
        _ => char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant(),
    };

    private static string Typo(string word, Random random)
    {
        if (word.Length < 4)
        {
            return word;
        }

        var i = random.Next(1, word.Length - 1);
        return random.Next(3) switch
        {
            0 => string.Concat(word.AsSpan(0, i), word.AsSpan(i + 1, 1), word.AsSpan(i, 1), word.AsSpan(i + 2)),
            1 => word.Remove(i, 1),
            _ => word.Insert(i, word[i].ToString()),
        };
    }

    /// <summary>
    /// Walks the text as alternating unlabelled and labelled segments; <paramref name="write"/> appends a segment's new text
    /// (returning false means "keep it as is"). Spans are re-anchored on the rewritten labelled segments.
    /// </summary>
    private static TrainingExample Rebuild(TrainingExample example, Func<Segment, StringBuilder, bool> write)
    {
        var builder = new StringBuilder(example.Text.Length + 16);
        var spans = new List<LabeledSpan>(example.Spans.Count);
        var position = 0;
        foreach (var span in example.Spans.OrderBy(s => s.Start))
        {
            if (span.Start < position)
            {
                return example; // overlapping spans: leave the title alone
            }

            Append(new Segment(example.Text[position..span.Start], null), builder, write);
            var start = builder.Length;
            Append(new Segment(example.Text[span.Start..span.End], span.Label), builder, write);
            spans.Add(new LabeledSpan(start, builder.Length, span.Label));
            position = span.End;
        }

        Append(new Segment(example.Text[position..], null), builder, write);
        return new TrainingExample(builder.ToString(), spans, example.Partial, example.ProductType);
    }

    private static void Append(Segment segment, StringBuilder builder, Func<Segment, StringBuilder, bool> write)
    {
        if (segment.Text.Length == 0)
        {
            return;
        }

        var before = builder.Length;
        if (!write(segment, builder))
        {
            builder.Length = before;
            builder.Append(segment.Text);
        }
    }

    private readonly record struct Segment(string Text, string? Label);
}
