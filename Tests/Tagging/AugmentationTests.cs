using Esrs.Tagging.Data;
using Esrs.Tagging.Training;
using Esrs.Tests.Support;

namespace Esrs.Tests.Tagging;

public sealed class AugmentationTests
{
    private static List<TrainingExample> Train => [.. TaggerData.Titles.Where(t => t.Split == "train").Select(t => new TrainingExample(t.Title, t.Spans))];

    [Fact]
    public void EachEpochAddsTheAskedNumberOfSelfTrainedTitlesAfterTheLabelledOnes()
    {
        var labelled = Train.Take(10).ToList();
        List<TrainingExample> selfTrained =
        [
            new("Acme Shirt", [new LabeledSpan(0, 4, "BRAND")], Partial: true),
            new("Blue Mug", [new LabeledSpan(0, 4, "COLOR")], Partial: true),
        ];
        var augmenter = new Augmenter(labelled, new AugmentationOptions { SelfTrainedPerEpoch = 7 }, selfTrained: selfTrained);

        var epoch = augmenter.Epoch(new Random(3));

        Assert.Equal(17, epoch.Count);
        Assert.Equal(labelled, epoch.Take(10));
        Assert.All(epoch.Skip(10), e => Assert.Contains(e, selfTrained));
        Assert.Equal(10, new Augmenter(labelled, AugmentationOptions.None, selfTrained: selfTrained).Epoch(new Random(3)).Count);
    }

    [Fact]
    public void NoiseKeepsEverySpanOnItsOwnWordsAndChangesSomeTitles()
    {
        var random = new Random(7);
        var changed = 0;
        foreach (var title in Train)
        {
            var noisy = Augmenter.Noise(title, random, rate: 0.3);

            Assert.Equal(title.Spans.Select(s => s.Label), noisy.Spans.Select(s => s.Label));
            for (var i = 0; i < title.Spans.Count; i++)
            {
                // Case changes and one-letter typos only: the span's text stays within a letter or two of the original.
                var before = title.Text[title.Spans[i].Start..title.Spans[i].End];
                var after = noisy.Text[noisy.Spans[i].Start..noisy.Spans[i].End];
                Assert.InRange(after.Length, before.Length - before.Split(' ').Length, before.Length + before.Split(' ').Length);
                Assert.False(string.IsNullOrWhiteSpace(after));
            }

            if (!title.Text.Contains("  ", StringComparison.Ordinal))
            {
                Assert.DoesNotContain("  ", noisy.Text, StringComparison.Ordinal);
            }

            changed += noisy.Text == title.Text ? 0 : 1;
        }

        Assert.InRange(changed, Train.Count / 2, Train.Count);
    }

    [Fact]
    public void SubstitutionSwapsValuesWithinTheirLabel()
    {
        var titles = Train;
        var augmenter = new Augmenter(titles, new AugmentationOptions { Substitute = true, SubstituteRate = 1 });
        var values = titles.SelectMany(t => t.Spans.Select(s => (s.Label, Value: t.Text[s.Start..s.End]))).ToHashSet();
        var random = new Random(3);
        var swapped = 0;
        foreach (var title in titles.Take(300))
        {
            var result = augmenter.Substitute(title, random);
            foreach (var span in result.Spans)
            {
                Assert.Contains((span.Label, result.Text[span.Start..span.End]), values);
            }

            swapped += result.Text == title.Text ? 0 : 1;
        }

        Assert.True(swapped > 250, $"only {swapped} of 300 titles changed");
    }

    [Fact]
    public void OversamplingRepeatsTitlesOfRareLabelsOnly()
    {
        var titles = Train;
        var options = new AugmentationOptions { Oversample = true, OversampleTarget = 60, OversampleMaxCopies = 4 };

        var sampled = Augmenter.Oversampled(titles, options);

        int Count(IEnumerable<TrainingExample> set, string label) => set.Sum(t => t.Spans.Count(s => s.Label == label));
        Assert.Equal(Count(titles, "WATERPROOF") * 4, Count(sampled, "WATERPROOF"));
        Assert.True(Count(sampled, "BRAND") < Count(titles, "BRAND") * 2, "brand titles repeat only when they also carry a rare label");
        Assert.All(titles.Where(t => t.Spans.Count == 1 && t.Spans[0].Label == "BRAND"), t => Assert.Equal(1, sampled.Count(s => ReferenceEquals(s, t))));
    }

    [Fact]
    public void FlipkartBrandsAreFoundInTheirTitlesAndTaughtAsPartialLabels()
    {
        var path = Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", "flipkart-product-catalog", Esrs.Datasets.FlipkartCatalog.FileName);

        var examples = Augmenter.FlipkartBrands(path);

        // 20,000 rows, 12,676 distinct names; brand missing on 5,861 rows and not in the name on 1,660 (README).
        Assert.InRange(examples.Count, 5_000, 12_676);
        Assert.All(examples, e =>
        {
            Assert.True(e.Partial);
            var span = Assert.Single(e.Spans);
            Assert.Equal("BRAND", span.Label);
        });
        var aligner = TaggerData.Aligner();
        var alisha = examples.First(e => e.Text.StartsWith("Alisha Solid Women's Cycling Shorts", StringComparison.Ordinal));
        var tokens = aligner.Encode(alisha.Text, alisha.Spans, partial: true);
        var labels = tokens.Labels.Where((_, i) => tokens.StartsWord[i])
            .Select(l => l == LabelMap.Ignore ? "-" : LabelMap.RuledOut(l) is { } ruledOut ? "not " + aligner.Labels.Labels[ruledOut] : aligner.Labels.Labels[l]).ToList();
        // Only the brand is known, and that the word after it does not continue it.
        Assert.Equal(["B-BRAND", "not I-BRAND", "-", "-", "-", "-", "-"], labels);
    }

    [Theory]
    [InlineData("none", "none")]
    [InlineData("all", "distant,materials,noise,substitute,oversample")]
    [InlineData("materials,distant", "distant,materials")]
    [InlineData("noise, oversample", "noise,oversample")]
    public void AugmentationSwitchesParse(string text, string expected) => Assert.Equal(expected, AugmentationOptions.Parse(text).ToString());

    [Fact]
    public void AnUnknownAugmentationIsRefusedWithTheChoices()
    {
        var error = Assert.Throws<ArgumentException>(() => AugmentationOptions.Parse("noise,mixup"));
        Assert.Contains("'mixup'", error.Message, StringComparison.Ordinal);
        Assert.Contains("oversample", error.Message, StringComparison.Ordinal);
    }
}
