using CsCheck;
using Esrs.Catalogue;

namespace Esrs.Tests.Unit.Catalogue;

/// <summary>The in-place comparisons against the plain reference: fold both texts to strings and compare them.</summary>
public sealed class CatalogueTextTests
{
    // Letters in both cases, digits, accents, separators and punctuation: where folding has work to do.
    private static readonly Gen<string> Text = Gen.String[Gen.Char["aAbBzZ09éÉ -_&.>/|ß"], 0, 12];

    [Theory]
    [InlineData("Q&Q Watch", "q q  watch", true)]
    [InlineData("air-zoom", "AIR ZOOM", true)]
    [InlineData("airzoom", "air zoom", false)]
    [InlineData("", "  -- ", true)]
    [InlineData("abc", "abcd", false)]
    [InlineData("ÉCOLE", "école", true)]
    public void SameFoldedComparesWordsIgnoringCaseAndPunctuation(string a, string b, bool same) =>
        Assert.Equal(same, CatalogueText.SameFolded(a, b));

    [Fact]
    public void SameFoldedAgreesWithComparingFoldedStrings() =>
        Gen.Select(Text, Text).Sample((a, b) => CatalogueText.SameFolded(a, b) == (CatalogueText.Fold(a) == CatalogueText.Fold(b)), iter: 20_000);

    [Theory]
    [InlineData("Footwear > Sports Shoes", "footwear", true)]
    [InlineData("Footwear", "Footwear > Sports Shoes > Running", true)]
    [InlineData("Footwear > Sandals", "Footwear > Sports Shoes", false)]
    [InlineData("Home/Kitchen", "home > kitchen > mugs", true)]
    [InlineData(" > Home >> Kitchen", "Home > Kitchen", true)]
    public void OnePathStartsTheOtherComparesLevels(string a, string b, bool agree) =>
        Assert.Equal(agree, CatalogueText.OnePathStartsTheOther(a, b));

    [Fact]
    public void OnePathStartsTheOtherAgreesWithComparingFoldedLevels() =>
        Gen.Select(Text, Text).Sample((a, b) => CatalogueText.OnePathStartsTheOther(a, b) == Reference(a, b), iter: 20_000);

    private static bool Reference(string a, string b)
    {
        static string[] Levels(string path) => [.. path.Split(['>', '/', '|']).Select(CatalogueText.Fold).Where(l => l.Length > 0)];
        var (x, y) = (Levels(a), Levels(b));
        return x.Zip(y).All(p => p.First == p.Second);
    }
}
