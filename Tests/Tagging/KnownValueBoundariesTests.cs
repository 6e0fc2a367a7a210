using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using Esrs.Tests.Support;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>The boundary check on hand-made titles: where a span is cut, and every case it must leave alone.</summary>
public sealed class KnownValueBoundariesTests
{
    private static readonly KnownValueBoundaries Known = new(new Dictionary<string, IReadOnlyCollection<string>>
    {
        ["BRAND"] = ["Philips Sonicare", "oral", "Spring  Valley", "Dunkin'", "Nature"],
        ["GENDER"] = ["Women's", "men"],
        ["COLOR"] = ["navy"], // not a checked label: ignored
    });

    [Theory]
    // Runs past a known brand: cut back to it (case and inner whitespace do not matter).
    [InlineData("Philips Sonicare DiamondClean Smart 9700 Toothbrush", 40, "Philips Sonicare")]
    [InlineData("PHILIPS SONICARE ProtectiveClean 5100", 32, "PHILIPS SONICARE")]
    [InlineData("Spring Valley - Vitamin C, 500 mg", 15, "Spring Valley")]
    [InlineData("Dunkin' 100% Colombian Medium Roast", 12, "Dunkin'")]
    // Left alone: the span is itself known, a prefix of a known brand, unknown, or the known prefix ends inside a token.
    [InlineData("Philips Sonicare HX6877 Toothbrush", 16, "Philips Sonicare")]
    [InlineData("Philips Norelco OneBlade", 15, "Philips Norelco")]
    [InlineData("Philips Sonicare", 7, "Philips")]
    [InlineData("Oral-B Pro 1000 Rechargeable", 10, "Oral-B Pro")]
    [InlineData("Nature's Bounty Fish Oil", 15, "Nature's Bounty")]
    public void ABrandSpanIsCutBackOnlyToAKnownBrandThatEndsAWholeToken(string title, int end, string expected)
    {
        var aligner = TaggerData.Aligner();
        var tokens = aligner.Encode(title);
        var wordEnds = WordEnds(tokens, 0, end);

        var checkedEnd = Known.Check("BRAND", title, 0, end, wordEnds);

        Assert.Equal(expected, title[..checkedEnd]);
    }

    [Theory]
    [InlineData("GENDER", "Women's Top", 11, "Women's")]
    [InlineData("GENDER", "MEN Formal Belt", 10, "MEN")]
    [InlineData("GENDER", "Unisex Sneakers", 15, "Unisex Sneakers")] // no known value starts it
    [InlineData("COLOR", "Navy Blue", 9, "Navy Blue")] // COLOR is not checked
    [InlineData("BRAND", "Women's Top", 11, "Women's Top")] // a GENDER value does not cut a BRAND span
    public void OnlyTheCheckedLabelsAreCutAndEachByItsOwnValues(string label, string title, int end, string expected)
    {
        var tokens = TaggerData.Aligner().Encode(title);

        var checkedEnd = Known.Check(label, title, 0, end, WordEnds(tokens, 0, end));

        Assert.Equal(expected, title[..checkedEnd]);
        Assert.Equal(label is "BRAND" or "GENDER", Known.Checks(label));
        Assert.Contains("MATERIAL", KnownValueBoundaries.Labels);
    }

    [Fact]
    public void ValuesAreFoldedToLowerCaseWithSingleSpaces()
    {
        Assert.Equal("spring valley", KnownValueBoundaries.Fold("  Spring \t Valley "));
        Assert.Contains("spring valley", Known.Values["BRAND"]);
        Assert.Equal(5, Known.Values["BRAND"].Count);
        Assert.Equal(["BRAND", "GENDER"], Known.Values.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ACheckpointCarriesItsKnownValuesAndTheTaggerCutsWithThemUnlessToldNotTo()
    {
        using var directory = new TempDirectory();
        manual_seed(3);
        using (var model = new BertTokenClassifier(BertConfig.MiniLmL6 with { Layers = 1 }, TaggerData.Labels))
        {
            var known = new Dictionary<string, IReadOnlyCollection<string>> { ["BRAND"] = ["Philips Sonicare", "Oral-B"], ["GENDER"] = ["men's"] };
            TaggerCheckpoint.Save(directory.Path, new Checkpoint(model, TaggerData.Labels, TaggerData.Tokenizer, "known", DecodingMode.Argmax, known));
        }

        const string Title = "Philips Sonicare DiamondClean Smart 9700";
        var loaded = TaggerCheckpoint.Load(directory.Path);
        Assert.Equal(["Oral-B", "Philips Sonicare"], loaded.KnownValues!["BRAND"].Order(StringComparer.Ordinal));
        Assert.Equal(["men's"], loaded.KnownValues["GENDER"]);
        using var checking = new Esrs.Tagging.Inference.Tagger(loaded, CPU);
        using var plain = new Esrs.Tagging.Inference.Tagger(TaggerCheckpoint.Load(directory.Path), CPU, boundaryCheck: false);
        Assert.True(checking.ChecksBoundaries);
        Assert.False(plain.ChecksBoundaries);

        // Scores that make the first three words one BRAND span (B, I, I) and the rest O, whatever the model says.
        var tokens = checking.Prepare(Title);
        var labels = TaggerData.Labels;
        var n = labels.Count;
        var scores = Enumerable.Repeat(-10f, tokens.Ids.Length * n).ToArray();
        var word = 0;
        for (var t = 0; t < tokens.Ids.Length; t++)
        {
            if (tokens.StartsWord[t])
            {
                scores[(t * n) + (word == 0 ? labels.Begin("BRAND") : word < 3 ? labels.Inside("BRAND") : 0)] = 0;
                word++;
            }
        }

        Assert.Equal("Philips Sonicare DiamondClean", Assert.Single(plain.Decode(tokens, scores)).Text);
        var cut = Assert.Single(checking.Decode(tokens, scores));
        Assert.Equal(("Philips Sonicare", 0, 16, "BRAND"), (cut.Text, cut.Start, cut.End, cut.Label));
        Assert.Equal(Math.Exp(0), cut.Score, 6);
    }

    /// <summary>Word ends by hand from the pieces: a word ends where the next piece starts a word (or the text ends).</summary>
    private static List<int> WordEnds(TokenizedText tokens, int start, int end)
    {
        var ends = new List<int>();
        for (var t = 1; t < tokens.Ids.Length - 1; t++)
        {
            var to = tokens.Offsets[t].End.Value;
            if ((tokens.StartsWord[t + 1] || t + 1 == tokens.Ids.Length - 1) && tokens.Offsets[t].Start.Value >= start && to <= end)
            {
                ends.Add(to);
            }
        }

        return ends;
    }
}
