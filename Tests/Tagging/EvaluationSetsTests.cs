using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;
using Esrs.Tagging.Training;
using Esrs.Tests.Support;

namespace Esrs.Tests.Tagging;

/// <summary>The sets settings are chosen and judged on: the dev split, the out-of-shop check, the dictionary baseline.</summary>
public sealed class EvaluationSetsTests
{
    private static string Flipkart => Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", "flipkart-product-catalog", Esrs.Datasets.FlipkartCatalog.FileName);

    [Fact]
    public void TheDevSplitIsAFixedSeventhOfTrainAndNeverTouchesTest()
    {
        var titles = TaggerData.Titles;
        var trainIds = titles.Where(t => t.Split == "train").Select(t => t.Id).ToHashSet();

        var (train, dev) = DevSplit.Split(titles);
        var (_, again) = DevSplit.Split(titles.AsEnumerable().Reverse());

        Assert.Empty(train.Select(t => t.Id).Intersect(dev.Select(t => t.Id)));
        Assert.True(trainIds.SetEquals(train.Concat(dev).Select(t => t.Id)));
        Assert.InRange(dev.Count, trainIds.Count / 10, trainIds.Count / 5);
        Assert.Equal(dev.Select(t => t.Id).Order(StringComparer.Ordinal), again.Select(t => t.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OutOfShopBrandsAreNeverAmongTheDistantTrainingBrands()
    {
        var check = OutOfShopCheck.Titles(Flipkart);
        var distant = Augmenter.FlipkartBrands(Flipkart);

        string Brand(string text, LabeledSpan span) => text[span.Start..span.End].ToLowerInvariant();
        var checkBrands = check.Select(t => Brand(t.Title, t.Spans[0])).ToHashSet();
        var trainedBrands = distant.Select(e => Brand(e.Text, e.Spans[0])).ToHashSet();

        Assert.InRange(check.Count, 300, 600);
        Assert.Empty(checkBrands.Intersect(trainedBrands));
        Assert.All(check, t => Assert.Equal("BRAND", Assert.Single(t.Spans).Label));
    }

    [Fact]
    public void SelfTrainingNeverSeesATitleAnOutOfShopCheckScores()
    {
        var details = Path.Combine(Path.GetDirectoryName(Flipkart)!, Esrs.Datasets.FlipkartCatalog.DetailsFileName);
        var scored = OutOfShopCheck.Titles(Flipkart).Select(t => t.Title)
            .Concat(OutOfShopCheck.SpecificationTitles(Flipkart, details).SelectMany(c => c.Titles).Select(t => t.Title))
            .ToHashSet(StringComparer.Ordinal);

        var titles = Augmenter.SelfTrainingTitles(Flipkart, details, limit: 100_000, seed: 1);

        Assert.InRange(titles.Count, 5_000, 100_000);
        Assert.Equal(titles.Count, titles.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(titles, scored.Contains);
        Assert.Equal(Augmenter.SelfTrainingTitles(Flipkart, details, limit: 50, seed: 1), Augmenter.SelfTrainingTitles(Flipkart, details, limit: 50, seed: 1));
    }

    [Fact]
    public void MaterialWordsComeFromProductsTheMaterialCheckDoesNotScoreAndItsTitlesAreNeverTrainedOn()
    {
        var details = Path.Combine(Path.GetDirectoryName(Flipkart)!, Esrs.Datasets.FlipkartCatalog.DetailsFileName);

        var words = Augmenter.FlipkartMaterialWords(Flipkart, details);
        var examples = Augmenter.FlipkartMaterials(Flipkart, details, words, brands: true);

        // From the raw files by a separate script (Python, the same reading of the specification keys): 59 words named by
        // two or more detailed products whose titles hold none of their material values. "gold" and "sterling silver" are
        // named only by products whose titles the check scores; "fabric" names no material.
        Assert.Equal(59, words.Count);
        Assert.Equal(["artificial leather", "synthetic leather", "viscose georgette"], words.Take(3));
        Assert.Contains("cotton", words);
        Assert.Contains("polyester", words);
        Assert.DoesNotContain("gold", words);
        Assert.DoesNotContain("sterling silver", words);
        Assert.DoesNotContain("fabric", words);

        var scored = OutOfShopCheck.Titles(Flipkart).Select(t => t.Title)
            .Concat(OutOfShopCheck.SpecificationTitles(Flipkart, details).SelectMany(c => c.Titles).Select(t => t.Title))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(examples, e => scored.Contains(e.Text));
        Assert.Equal(examples.Count, examples.Select(e => e.Text).Distinct(StringComparer.Ordinal).Count());
        Assert.All(examples, e => Assert.True(e.Partial));
        var materials = examples.SelectMany(e => e.Spans.Where(s => s.Label == "MATERIAL").Select(s => e.Text[s.Start..s.End])).ToList();
        Assert.InRange(examples.Count(e => e.Spans.Any(s => s.Label == "MATERIAL")), 500, 2_000);
        Assert.All(materials, m => Assert.Contains(m.ToLowerInvariant(), words));
        Assert.All(examples, e => Assert.All(e.Spans.Zip(e.Spans.Skip(1)), p => Assert.True(p.First.End <= p.Second.Start)));
    }

    [Theory]
    [InlineData("Polyamide, Nylon", new[] { "polyamide", "nylon" })]
    [InlineData("100% Cotton", new[] { "cotton" })]
    [InlineData("50% Acrylic, 25% Nylon, 25% Wool", new[] { "acrylic", "nylon", "wool" })]
    [InlineData("Cotton and Linen", new[] { "cotton", "linen" })]
    [InlineData("Leather/PU", new[] { "leather" })]
    [InlineData("Fabric", new string[0])]
    [InlineData("Heavy-duty Satin Wong Fabric", new string[0])]
    public void ASpecificationValueNamesItsSingleMaterials(string value, string[] materials)
    {
        // "PU" is too short to tell from other words; a value of four words is a description, not a material.
        Assert.Equal(materials, Augmenter.MaterialsIn(value));
    }

    [Fact]
    public void SelfTrainingKeepsOnlyTheSpansTheTeacherIsSureOf()
    {
        string[] titles = ["Acme Red Cotton Shirt", "Plain Mug"];
        IReadOnlyList<IReadOnlyList<Esrs.Tagging.Inference.TaggedSpan>> tagged =
        [
            [new(0, 4, "BRAND", "Acme", 0.97), new(5, 8, "COLOR", "Red", 0.62), new(9, 15, "MATERIAL", "Cotton", 0.9)],
            [new(0, 5, "COLOR", "Plain", 0.4)],
        ];

        var examples = Augmenter.SelfTrained(titles, tagged, threshold: 0.9);

        // "Red" (0.62) is left out, "Cotton" (exactly 0.9) kept; "Plain Mug" has no sure span and is dropped.
        var example = Assert.Single(examples);
        Assert.Equal("Acme Red Cotton Shirt", example.Text);
        Assert.True(example.Partial);
        Assert.Equal([new LabeledSpan(0, 4, "BRAND"), new LabeledSpan(9, 15, "MATERIAL")], example.Spans);
    }

    [Fact]
    public void TheDictionaryTagsKnownValuesAsWholeWordsLongestFirst()
    {
        OaMineTitle Title(string text, params (string Value, string Label)[] spans) =>
            new("t", "train", "x", text, [.. spans.Select(s => new LabeledSpan(text.IndexOf(s.Value, StringComparison.Ordinal), text.IndexOf(s.Value, StringComparison.Ordinal) + s.Value.Length, s.Label))]);
        var dictionary = new ValueDictionary(
        [
            Title("Green Tea by Acme", ("Green Tea", "TEA_VARIETY"), ("Acme", "BRAND")),
            Title("green shoes", ("green", "COLOR")),
        ]);

        var spans = dictionary.Tag("ACME green tea, greenery");

        // "green tea" (longest) wins over "green"; "greenery" is not the word "green".
        Assert.Equal([new LabeledSpan(0, 4, "BRAND"), new LabeledSpan(5, 14, "TEA_VARIETY")], spans);
    }
}
