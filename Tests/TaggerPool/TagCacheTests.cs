using Esrs.Tagging;

namespace Esrs.Tests.TaggerPool;

public sealed class TagCacheTests
{
    private static CachedTags Tags(string text) => new("dict-1", [new AttributeTag(0, text.Length, "BRAND", text, 1)]);

    [Fact]
    public void TheCacheKeepsWhatWasAskedForRecentlyAndNoMoreThanItsCapacity()
    {
        var cache = new TagCache(4);

        // Generations of 2: a and b fill the first, which becomes the older; c and d fill the next, and a and b are gone.
        foreach (var text in new[] { "a", "b", "c", "d" })
        {
            cache.Add(text, Tags(text));
        }

        Assert.False(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out var c));
        Assert.Equal("c", Assert.Single(c.Tags).Text);
        // c was moved up on that read, so after e fills the newer generation c outlives d.
        cache.Add("e", Tags("e"));
        cache.Add("f", Tags("f"));
        Assert.True(cache.TryGet("c", out _));
        Assert.False(cache.TryGet("d", out _));
        for (var i = 0; i < 1_000; i++)
        {
            cache.Add("t" + i, Tags("t"));
            Assert.InRange(cache.Count, 0, 4);
        }
    }
}
