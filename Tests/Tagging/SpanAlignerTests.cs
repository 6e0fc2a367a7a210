using Esrs.Tagging.Data;

namespace Esrs.Tests.Tagging;

public sealed class SpanAlignerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void FirstPieceOfEachWordCarriesTheLabelAndOffsetsPointIntoTheText()
    {
        var aligner = TaggerData.Aligner();
        var title = TaggerData.Titles.First(t => t.Id == "oamine-train-00001");

        var tokens = aligner.Encode(title.Title, title.Spans);

        var pieces = tokens.Offsets.Select(o => title.Title[o]).ToList();
        Assert.Equal("", pieces[0]);
        Assert.Equal("", pieces[^1]);
        Assert.Equal(["Ellie", "Shoes", "Women", "'", "s", "840", "0", ",", "Red", "Patent", ",", "14", "M", "US"], pieces.Where(p => p.Length > 0));
        var labels = tokens.Labels.Where((_, i) => tokens.StartsWord[i]).Select(l => aligner.Labels.Labels[l]).ToList();
        Assert.Equal(["B-BRAND", "I-BRAND", "B-GENDER", "I-GENDER", "I-GENDER", "B-MODEL_NAME", "O", "B-COLOR", "I-COLOR", "O", "B-SIZE", "I-SIZE", "I-SIZE"], labels);
        Assert.Equal(LabelMap.Ignore, tokens.Labels[0]);
    }

    [Fact]
    public void ContinuationPiecesAreIgnoredAndExtendTheirWordsSpan()
    {
        var aligner = TaggerData.Aligner();
        const string Text = "Hydroflask insulated bottle";
        var spans = new List<LabeledSpan> { new(0, 10, "BRAND") };

        var tokens = aligner.Encode(Text, spans);

        Assert.True(tokens.Ids.Length > 5, "Hydroflask should split into several pieces");
        Assert.Contains(LabelMap.Ignore, tokens.Labels[1..^1]);
        Assert.Equal(spans, aligner.Decode(tokens, tokens.Labels));
    }

    [Fact]
    public void GoldSpansSurviveEncodingAndDecodingOnTheTrainSplit()
    {
        var aligner = TaggerData.Aligner();
        var train = TaggerData.Titles.Where(t => t.Split == "train").ToList();

        var exact = train.Count(t =>
        {
            var tokens = aligner.Encode(t.Title, t.Spans);
            return aligner.Decode(tokens, tokens.Labels).SequenceEqual(t.Spans.OrderBy(s => s.Start));
        });

        output.WriteLine($"{exact} of {train.Count} train titles round-trip exactly");

        // A span that starts or ends inside a word cannot be told by word-level BIO; such titles are rare.
        Assert.True(exact >= train.Count * 0.96, $"{exact} of {train.Count} titles round-trip exactly");
    }

    [Fact]
    public void AnInsideLabelThatContinuesNothingIsTaughtAsABegin()
    {
        var aligner = TaggerData.Aligner();
        // OA-Mine's "232 Total Loads" with the value located from "32": the span starts inside the word "232".
        const string Text = "Pack of 4, 232 Total Loads";
        var spans = new List<LabeledSpan> { new(0, 9, "PACK_SIZE"), new(12, 26, "LOAD_SIZE") };

        var tokens = aligner.Encode(Text, spans);

        var labels = tokens.Labels.Where((_, i) => tokens.StartsWord[i]).Select(l => aligner.Labels.Labels[l]).ToList();
        Assert.Equal(["B-PACK_SIZE", "I-PACK_SIZE", "I-PACK_SIZE", "O", "O", "B-LOAD_SIZE", "I-LOAD_SIZE"], labels);
    }

    [Fact]
    public void UnderPartialSupervisionAWordAfterAnUnknownOneKeepsItsLabel()
    {
        var aligner = TaggerData.Aligner();
        const string Text = "Soft 232 Total Loads";
        var spans = new List<LabeledSpan> { new(6, 20, "LOAD_SIZE") };

        var tokens = aligner.Encode(Text, spans, partial: true);

        var labels = tokens.Labels.Where((_, i) => tokens.StartsWord[i]).ToList();
        Assert.Equal([LabelMap.Ignore, LabelMap.Ignore, aligner.Labels.Inside("LOAD_SIZE"), aligner.Labels.Inside("LOAD_SIZE")], labels);
    }

    [Fact]
    public void UnderPartialSupervisionTheWordAfterASpanIsKnownNotToContinueIt()
    {
        var aligner = TaggerData.Aligner();
        // A distant example: the catalogue brand is the whole brand, so "Cotton" does not continue it; "Bath" is unknown.
        const string Text = "Sathiyas Cotton Bath";
        var spans = new List<LabeledSpan> { new(0, 8, "BRAND") };

        var tokens = aligner.Encode(Text, spans, partial: true);

        var labels = tokens.Labels.Where((_, i) => tokens.StartsWord[i]).ToList();
        Assert.Equal([aligner.Labels.Begin("BRAND"), LabelMap.NotInside(aligner.Labels.Inside("BRAND")), LabelMap.Ignore], labels);
        Assert.Equal(aligner.Labels.Inside("BRAND"), LabelMap.RuledOut(labels[1]));
        Assert.Null(LabelMap.RuledOut(LabelMap.Ignore));
        Assert.Null(LabelMap.RuledOut(labels[0]));

        // Fully labelled text: nothing is marked.
        Assert.DoesNotContain(aligner.Encode(Text, spans).Labels, l => l <= LabelMap.NotInsideBase);

        // The padded batch: word labels B-BRAND, unknown, unknown; the second word rules out I-BRAND; the piece labels for
        // cross-entropy leave it out.
        var batch = Esrs.Tagging.Inference.Batches.PadForTraining([tokens], TorchSharp.torch.CPU);
        Assert.Equal([aligner.Labels.Begin("BRAND"), -1L, -1L], batch.WordLabels.data<long>().ToArray());
        Assert.Equal([-1L, aligner.Labels.Inside("BRAND"), -1L], batch.WordRuledOut.data<long>().ToArray());
        Assert.DoesNotContain(batch.Labels.data<long>().ToArray(), l => l <= LabelMap.NotInsideBase);
    }
}
