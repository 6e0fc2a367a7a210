using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Cluster;

[Collection(SqliteClusterCollection.Name)]
public sealed class UserGrainTests(SqliteClusterFixture fixture)
{
    private static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task IngestedEventsShowInTheProfile()
    {
        var user = NewUser();
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);

        var result = await grain.IngestAsync(
        [
            TestEvents.Search(user, "  Red   Shoes "),
            TestEvents.View(user, "sku-1") with { CategoryPath = "Shoes > Sneakers", Brand = "Acme" },
            TestEvents.Purchase(user, "sku-1", quantity: 2, price: 30m),
        ]);

        Assert.Equal([OutcomeKind.Repaired, OutcomeKind.Accepted, OutcomeKind.Accepted], result.Outcomes.Select(o => o.Kind));
        var profile = await grain.GetProfileAsync();
        Assert.Equal(1, profile.Counts[EventType.Search]);
        Assert.Equal(1, profile.Counts[EventType.View]);
        Assert.Equal(1, profile.Counts[EventType.Purchase]);
        Assert.Equal("red shoes", profile.SearchTerms.Single().Value);
        Assert.Equal("sku-1", profile.Items.Single().Value);
        Assert.Equal("Shoes > Sneakers", profile.Categories.Single().Value);
        Assert.Equal("Acme", profile.Brands.Single().Value);
        Assert.Equal(60m, profile.Spend["EUR"]);
        Assert.Equal(["sku-1"], profile.RecentItems);
        Assert.Equal("test", profile.Provenance["items"].Source);
        Assert.Equal(new Esrs.Profiles.IngestCounters(2, 1, 0, 0, 0, 0, 0), profile.Ingest);
    }

    [Fact]
    public async Task DuplicatesAreCountedOnceWithinAndAcrossBatches()
    {
        var user = NewUser();
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        var view = TestEvents.View(user, "sku-1");
        var resent = view with { EventId = TestEvents.NextId() };

        var first = await grain.IngestAsync([view, view, resent]);
        var second = await grain.IngestAsync([view, resent]);

        Assert.Equal([OutcomeKind.Accepted, OutcomeKind.DuplicateById, OutcomeKind.DuplicateByContent], first.Outcomes.Select(o => o.Kind));
        // A content duplicate is not remembered under its own id, so its re-send is again a content duplicate.
        Assert.Equal([OutcomeKind.DuplicateById, OutcomeKind.DuplicateByContent], second.Outcomes.Select(o => o.Kind));
        var profile = await grain.GetProfileAsync();
        Assert.Equal(1, profile.Counts[EventType.View]);
        Assert.Equal(2, profile.Ingest.DuplicatesById);
        Assert.Equal(2, profile.Ingest.DuplicatesByContent);
    }

    [Fact]
    public async Task RejectedEventsAreKeptInQuarantineAndPaged()
    {
        var user = NewUser();
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        var bad = Enumerable.Range(0, 7).Select(i => TestEvents.Purchase(user, "sku-" + i, price: -1m)).ToList();

        var result = await grain.IngestAsync([.. bad, TestEvents.View(user)]);

        Assert.Equal(7, result.Count(OutcomeKind.Quarantined));
        Assert.All(result.Outcomes.Take(7), o => Assert.Equal(RuleIds.PriceNegative, Assert.Single(o.Decisions).RuleId));
        var pages = new[] { await grain.GetQuarantineAsync(0, 3), await grain.GetQuarantineAsync(3, 3), await grain.GetQuarantineAsync(6, 3) };
        Assert.All(pages, p => Assert.Equal(7, p.Total));
        Assert.Equal([3, 3, 1], pages.Select(p => p.Items.Count));
        Assert.Equal(bad.Select(e => e.EventId), pages.SelectMany(p => p.Items).Select(q => q.Event.EventId));
        Assert.Equal(bad[0], pages[0].Items[0].Event);
        Assert.Empty((await grain.GetQuarantineAsync(100, 3)).Items);
        Assert.Equal(1, (await grain.GetProfileAsync()).Counts.Values.Sum());
    }

    [Fact]
    public async Task QuarantinePageSizeIsChecked()
    {
        var grain = fixture.Grains.GetGrain<IUserGrain>(NewUser());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.GetQuarantineAsync(-1, 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.GetQuarantineAsync(0, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.GetQuarantineAsync(0, 100_000));
    }

    [Fact]
    public async Task ReSentQuarantinedEventIsADuplicateNotASecondEntry()
    {
        var user = NewUser();
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        var bad = TestEvents.Search(user, " ");

        await grain.IngestAsync([bad]);
        var again = await grain.IngestAsync([bad]);

        Assert.Equal(OutcomeKind.DuplicateById, again.Outcomes.Single().Kind);
        Assert.Equal(1, (await grain.GetQuarantineAsync(0, 10)).Total);
    }

    [Fact]
    public async Task ConcurrentBatchesForOneUserNeverLoseAnUpdate()
    {
        var user = NewUser();
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        var batches = Enumerable.Range(0, 16)
            .Select(b => Enumerable.Range(0, 25).Select(i => TestEvents.View(user, $"sku-{b}-{i}")).ToList())
            .ToList();

        var results = await Task.WhenAll(batches.Select(b => grain.IngestAsync(b)));

        Assert.All(results, r => Assert.Equal(25, r.Count(OutcomeKind.Accepted)));
        var profile = await grain.GetProfileAsync();
        Assert.Equal(400, profile.Counts[EventType.View]);
        Assert.Equal(400, profile.Ingest.Accepted);
    }

    [Fact]
    public async Task EventsWithoutAUserAreQuarantinedInTheirUnattributedGrain()
    {
        var e = TestEvents.View("") with { UserId = "" };
        var key = UserGrainKeys.For(e);
        var grain = fixture.Grains.GetGrain<IUserGrain>(key);

        var result = await grain.IngestAsync([e, e with { EventId = TestEvents.NextId() }]);

        Assert.StartsWith(UserGrainKeys.UnattributedPrefix, key, StringComparison.Ordinal);
        Assert.Equal(RuleIds.UserMissing, result.Outcomes[0].Decisions.Single().RuleId);
        Assert.Equal(OutcomeKind.DuplicateByContent, result.Outcomes[1].Kind);
        Assert.Contains((await grain.GetQuarantineAsync(0, 500)).Items, q => q.Event.EventId == e.EventId);
    }

    [Fact]
    public async Task EmptyBatchChangesNothingAndNullEventsAreRefused()
    {
        var grain = fixture.Grains.GetGrain<IUserGrain>(NewUser());

        Assert.Empty((await grain.IngestAsync([])).Outcomes);
        await Assert.ThrowsAsync<ArgumentException>(() => grain.IngestAsync([null!]));
    }
}
