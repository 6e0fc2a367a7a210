using Esrs.Cleaning;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("abc", "abc", false)]
    [InlineData(" abc ", "abc", true)]
    [InlineData("a  b", "a b", true)]
    [InlineData("a\r\nb", "a b", true)]
    [InlineData("ﬁne", "fine", true)]
    [InlineData("Ⅻ", "XII", true)]
    public void Normalises(string input, string expected, bool changed)
    {
        var result = TextNormalizer.Normalize(input, 100, out var wasChanged, out var truncated);

        Assert.Equal(expected, result);
        Assert.Equal(changed, wasChanged);
        Assert.False(truncated);
    }

    [Fact]
    public void DoesNotSplitASurrogatePair()
    {
        var result = TextNormalizer.Normalize("ab😀cd", 3, out _, out var truncated);

        Assert.Equal("ab", result);
        Assert.True(truncated);
    }
}
