using Esrs.Tagging.Data;
using Esrs.Tagging.Model;
using Microsoft.ML.Tokenizers;

namespace Esrs.Tests.Tagging;

/// <summary>
/// Any text tokenizes, with every piece's range in the text as given. Expected pieces come from the plain uncased
/// BERT tokenizer (Microsoft.ML.Tokenizers, lower-casing itself) on the hand-cleaned ASCII form of each text; expected
/// ranges are counted by hand.
/// </summary>
public sealed class TitleTokenizerTests
{
    private static readonly Lazy<BertTokenizer> Reference = new(() =>
        BertTokenizer.Create(MiniLmWeights.OpenVocabulary(), new BertOptions { LowerCaseBeforeTokenization = true }));

    [Fact]
    public void AsciiTitlesGiveThePiecesOfThePlainUncasedTokenizer()
    {
        var ascii = TaggerData.Titles.Where(t => System.Text.Ascii.IsValid(t.Title)).ToList();

        foreach (var title in ascii)
        {
            var expected = ReferenceTokens(title.Title);
            var actual = TaggerData.Tokenizer.Tokenize(title.Title);
            Assert.Equal(expected.Select(t => (t.Id, t.Offset.Start.Value, t.Offset.End.Value)), actual.Select(p => (p.Id, p.Start, p.End)));
        }

        Assert.True(ascii.Count > 1_800, $"{ascii.Count} ASCII titles");
    }

    [Theory]
    [InlineData("Nike Air\tZoom\t", "Nike Air Zoom ")]
    [InlineData("\tOrganic green tea\t\t100 bags", " Organic green tea  100 bags")]
    [InlineData("line one\r\nline two", "line one  line two")]
    [InlineData("no\u00A0break\u2003spaces", "no break spaces")]
    public void TabsNewlinesAndOtherSpacesTokenizeAsSpaces(string text, string withSpaces)
    {
        var expected = ReferenceTokens(withSpaces);

        var actual = TaggerData.Tokenizer.Tokenize(text);

        Assert.Equal(expected.Select(t => (t.Id, t.Offset.Start.Value, t.Offset.End.Value)), actual.Select(p => (p.Id, p.Start, p.End)));
    }

    [Theory]
    // Combining accent (decomposed é): the piece covers the letter and its accent.
    [InlineData("Cafe\u0301 noir", "cafe noir", new[] { 0, 5, 6, 10 })]
    // Precomposed accents are stripped like the uncased model was trained.
    [InlineData("Crème brûlée", "creme brulee", new[] { 0, 5, 6, 12 })]
    // Full-width forms fold to ASCII.
    [InlineData("ＢＩＯ milk", "bio milk", new[] { 0, 3, 4, 8 })]
    // Control characters are dropped; the ranges skip them.
    [InlineData("\u0001ctrl\u0007 char", "ctrl char", new[] { 1, 5, 7, 11 })]
    // A soft hyphen vanishes inside a word.
    [InlineData("so\u00ADap bar", "soap bar", new[] { 0, 5, 6, 9 })]
    // The fi ligature is two letters of one character.
    [InlineData("\uFB01ne salt", "fine salt", new[] { 0, 3, 4, 8 })]
    public void NormalisedCharactersMapBackToTheirSource(string text, string cleaned, int[] wordRanges)
    {
        var expected = ReferenceTokens(cleaned);

        var actual = TaggerData.Tokenizer.Tokenize(text);

        Assert.Equal(expected.Select(t => t.Id), actual.Select(p => p.Id));
        var words = actual.Where(p => p.StartsWord).ToList();
        Assert.Equal(wordRanges.Length / 2, words.Count);
        for (var w = 0; w < words.Count; w++)
        {
            Assert.Equal((wordRanges[2 * w], wordRanges[(2 * w) + 1]), (words[w].Start, actual.Where(p => p.Start >= words[w].Start && p.Start < wordRanges[(2 * w) + 1]).Max(p => p.End)));
        }
    }

    [Fact]
    public void AnEmojiBetweenWordsLeavesTheirRangesWhereTheyAre()
    {
        const string Text = "milk \U0001F600 500ml \U0001F44D\U0001F3FD";

        var pieces = TaggerData.Tokenizer.Tokenize(Text);

        // The WordPiece vocabulary has no emoji; the tokenizer gives them no piece, and the words keep their places.
        Assert.Equal(["milk", "500", "ml"], pieces.Select(p => Text[p.Start..p.End]));
        Assert.Equal([(0, 4), (8, 11), (11, 13)], pieces.Select(p => (p.Start, p.End)));
    }

    [Fact]
    public void CjkIdeographsAreWordsOfTheirOwn()
    {
        const string Text = "绿茶tea";

        var pieces = TaggerData.Tokenizer.Tokenize(Text);

        Assert.Equal(["绿", "茶", "tea"], pieces.Select(p => Text[p.Start..p.End]));
        Assert.All(pieces, p => Assert.True(p.StartsWord));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\t")]
    [InlineData("\u200B\u0001")]
    public void EmptyAndBlankTextsHaveNoPieces(string text) => Assert.Empty(TaggerData.Tokenizer.Tokenize(text));

    [Fact]
    public void LoneSurrogatesAndUnassignedCharactersDoNotStopTheTitle()
    {
        const string Text = "tea \uD800 bags \uFFFF x";

        var pieces = TaggerData.Tokenizer.Tokenize(Text);

        Assert.Equal(["tea", "bags", "x"], pieces.Select(p => Text[p.Start..p.End]));
    }

    [Fact]
    public void AVeryLongTitleIsCutToTheLongestSequenceWithValidRanges()
    {
        var text = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"word{i}"));
        var aligner = TaggerData.Aligner();

        var encoded = aligner.Encode(text, maxTokens: 128);

        Assert.Equal(128, encoded.Ids.Length);
        Assert.All(encoded.Offsets, o => Assert.InRange(o.End.Value, o.Start.Value, text.Length));
        Assert.Equal("word", text[encoded.Offsets[1]]);
        Assert.Equal("0", text[encoded.Offsets[2]]);
    }

    private static List<EncodedToken> ReferenceTokens(string text) =>
        [.. Reference.Value.EncodeToTokens(text, out _).Where(t => t.Id != Reference.Value.ClassificationTokenId && t.Id != Reference.Value.SeparatorTokenId)];
}
