using Esrs.Events;
using Esrs.Silo.Hosting;
using Esrs.Tests.Support;

namespace Esrs.Tests.Storage;

/// <summary>
/// Orleans' ADO.NET storage reads string keys that parse as hex numbers or GUIDs as numbers (dotnet/orleans#9706). Ids that
/// differ in any character must still be different users, before and after a restart, on SQLite and on PostgreSQL.
/// </summary>
public sealed class ExactKeyStorageTests : IDisposable
{
    /// <summary>Groups of ids that the provider's numeric reading would put in one row: hex equal, case-folded, zero-padded, GUID spellings, UCI ids.</summary>
    public static readonly string[] CollidingIds =
    [
        "20235", "020235", "0020235",
        "abc", "ABC", "0abc",
        "1a", "01A", "1A",
        "12346", "012346",
        "1+x", "01+x",
        "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef",
        "7fffffffffffffff", "07FFFFFFFFFFFFFFF",
    ];

    private readonly TempDirectory _directory = new();

    public static TheoryData<string> Stores => new() { "sqlite", "postgresql" };

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task IdsThatCollideAsNumbersAreDifferentUsersAcrossARestart(string store)
    {
        var storage = store == "sqlite" ? EsrsCluster.Sqlite(_directory.Path) : EsrsCluster.PostgreSql(TestServices.PostgreSql);
        var serviceId = "esrs-keys-" + Guid.NewGuid().ToString("N");
        var at = DateTime.UtcNow.AddMinutes(-10);
        await using (var cluster = await EsrsCluster.StartAsync(storage, serviceId))
        {
            for (var i = 0; i < CollidingIds.Length; i++)
            {
                var result = await cluster.Client.GetGrain<IUserGrain>(CollidingIds[i]).IngestAsync([TestEvents.View(CollidingIds[i], ItemOf(i), at)]);
                Assert.Equal(OutcomeKind.Accepted, result.Outcomes.Single().Kind);
            }

            await AssertEachUserHoldsOnlyItsOwnItemAsync(cluster.Client);
        }

        await using (var cluster = await EsrsCluster.StartAsync(storage, serviceId))
        {
            await AssertEachUserHoldsOnlyItsOwnItemAsync(cluster.Client);
        }
    }

    [Fact]
    public async Task AnIdNoRowCanHoldIsQuarantinedUnattributedAndTheGrainRefusesIt()
    {
        await using var cluster = await EsrsCluster.StartAsync(EsrsCluster.PostgreSql(TestServices.PostgreSql), "esrs-keys-" + Guid.NewGuid().ToString("N"));
        var tooLong = new string('7', UserIds.MaxLength + 1);
        var view = TestEvents.View(tooLong);
        var key = UserGrainKeys.For(view);
        Assert.True(UserGrainKeys.IsUnattributed(key));

        var outcome = (await cluster.Client.GetGrain<IUserGrain>(key).IngestAsync([view])).Outcomes.Single();
        Assert.Equal(OutcomeKind.Quarantined, outcome.Kind);
        Assert.Equal(RuleIds.UserInvalid, Assert.Single(outcome.Decisions).RuleId);

        var direct = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IUserGrain>(tooLong).IngestAsync([view]));
        Assert.Contains("at most 256", direct.Message, StringComparison.Ordinal);
        // The refusal leaves nothing behind: the grain still answers, and still refuses.
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IUserGrain>(tooLong).GetProfileAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IUserGrain>("bad\0id").IngestAsync([TestEvents.View("bad\0id")]));
    }

    private static string ItemOf(int index) => "item-of-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task AssertEachUserHoldsOnlyItsOwnItemAsync(IGrainFactory grains)
    {
        for (var i = 0; i < CollidingIds.Length; i++)
        {
            var profile = await grains.GetGrain<IUserGrain>(CollidingIds[i]).GetProfileAsync();
            Assert.Equal(CollidingIds[i], profile.UserId);
            Assert.Equal([ItemOf(i)], profile.RecentItems);
            Assert.Equal(1, profile.Counts[EventType.View]);
        }
    }
}
