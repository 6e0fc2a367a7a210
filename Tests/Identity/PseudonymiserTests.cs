using Esrs.Identity;

namespace Esrs.Tests.Identity;

/// <summary>Keyed pseudonyms and the normalisation in front of them; expected pseudonyms computed with Python's hmac module.</summary>
public sealed class PseudonymiserTests
{
    private const string Key = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void PseudonymsAreHmacSha256OfKindAndNormalisedValueAsAnIndependentImplementationComputesThem()
    {
        // python3: base64.urlsafe_b64encode(hmac.new(key, b"email\0anna.muller@example.com", sha256).digest()[:16])
        var pseudonymiser = new Pseudonymiser("k1", Key);
        Assert.Equal("Nu3zZfbj6spl45SeNBl2dA", pseudonymiser.Of("email", Pseudonymiser.NormaliseEmail("  Anna.Muller@Example.COM ")!));
        Assert.Equal("3bdgyXwYIkeZOxbJklcBCQ", pseudonymiser.Of("phone", Pseudonymiser.NormalisePhone("0044 (1632) 960-123")!));
        Assert.Equal("7XsXy0apVKzEFpoOnwvWoQ", pseudonymiser.Of("name", Pseudonymiser.NormaliseName("Müller, Anna")!));
    }

    [Fact]
    public void AnotherKeyOrAnotherKindGivesAnotherPseudonym()
    {
        var (one, two) = (new Pseudonymiser("k1", Key), new Pseudonymiser("k2", Key.ToUpperInvariant()));
        Assert.NotEqual(one.Of("email", "a@b.co"), two.Of("email", "a@b.co"));
        Assert.NotEqual(one.Of("email", "a@b.co"), one.Of("device", "a@b.co"));
        Assert.Equal(one.Of("email", "a@b.co"), new Pseudonymiser("k1", Key).Of("email", "a@b.co"));
        Assert.Throws<ArgumentException>(() => new Pseudonymiser("short", "too-short-for-a-key"));
    }

    [Theory]
    [InlineData("anna@example.com", "anna@example.com")]
    [InlineData(" ANNA@Example.Com\t", "anna@example.com")]
    [InlineData("anna", null)]
    [InlineData("anna@example", null)]
    [InlineData("an na@example.com", null)]
    [InlineData("a@b@example.com", null)]
    [InlineData("@example.com", null)]
    public void EmailsAreTrimmedAndLowerCasedOrRefused(string sent, string? normal) => Assert.Equal(normal, Pseudonymiser.NormaliseEmail(sent));

    [Theory]
    [InlineData("+44 1632 960123", "441632960123")]
    [InlineData("0044-1632-960123", "441632960123")]
    [InlineData("(020) 7946 0018", "02079460018")]
    [InlineData("12345", null)]
    [InlineData("call me", null)]
    [InlineData("1234567890123456", null)]
    public void PhonesKeepTheirDigitsOrAreRefused(string sent, string? normal) => Assert.Equal(normal, Pseudonymiser.NormalisePhone(sent));

    [Theory]
    [InlineData("Anna Müller", "anna muller")]
    [InlineData("MÜLLER,  anna", "anna muller")]
    [InlineData("José María O'Neil", "jose maria neil o")]
    [InlineData("ｊｏｈｎ　ｓｍｉｔｈ", "john smith")]
    [InlineData(" - ", null)]
    public void NamesLoseAccentsCaseAndPunctuationAndSortTheirWords(string sent, string? normal) => Assert.Equal(normal, Pseudonymiser.NormaliseName(sent));
}
