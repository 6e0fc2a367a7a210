using Esrs.Events;
using Esrs.Quality;
using Esrs.Tests.Support;

namespace Esrs.Tests.Cluster;

/// <summary>The cached references are Orleans' own: the same grain ids and interface for keys Orleans' storage would confuse, and calls reach the same activation.</summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class GrainReferencesTests(SqliteClusterFixture fixture)
{
    [Theory]
    [InlineData("abc")]
    [InlineData("ABC")]
    [InlineData("020235")]
    [InlineData("user é/1")]
    public void AStringKeyGivesTheReferenceGetGrainGives(string key)
    {
        var expected = (GrainReference)(object)fixture.Grains.GetGrain<IUserGrain>(key);
        var actual = (GrainReference)(object)fixture.Grains.Reference<IUserGrain>(key);

        Assert.Equal((expected.GrainId, expected.InterfaceType), (actual.GrainId, actual.InterfaceType));
        Assert.Equal(key, actual.GrainId.Key.ToString());
        Assert.IsAssignableFrom<IUserGrain>(actual);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void ABlankKeyIsRefusedAsGetGrainRefusesIt(string key)
    {
        Assert.Throws<ArgumentException>(() => fixture.Grains.GetGrain<IUserGrain>(key));
        Assert.Throws<ArgumentException>(() => fixture.Grains.Reference<IUserGrain>(key));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void AnIntegerKeyGivesTheReferenceGetGrainGives(long key)
    {
        var expected = (GrainReference)(object)fixture.Grains.GetGrain<IQualityGrain>(key);
        var actual = (GrainReference)(object)fixture.Grains.Reference<IQualityGrain>(key);

        Assert.Equal((expected.GrainId, expected.InterfaceType), (actual.GrainId, actual.InterfaceType));
    }

    [Fact]
    public async Task ACallThroughEitherReachesTheSameGrain()
    {
        var user = "refs-" + Guid.NewGuid().ToString("N");
        await fixture.Grains.Reference<IUserGrain>(user).IngestAsync([TestEvents.Purchase(user, "sku-1", quantity: 1, price: 5m)]);

        var profile = await fixture.Grains.GetGrain<IUserGrain>(user).GetProfileAsync();

        Assert.Equal(1, profile.Counts[EventType.Purchase]);
    }
}
