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
