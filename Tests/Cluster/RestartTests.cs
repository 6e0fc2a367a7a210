using Esrs.Events;
using Esrs.Silo.Hosting;
using Esrs.Tests.Support;

namespace Esrs.Tests.Cluster;

/// <summary>State survives a full cluster restart: on SQLite (embedded) and on a real PostgreSQL server (cluster mode).</summary>
public sealed class RestartTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public static TheoryData<string> Stores => new() { "sqlite", "postgresql" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task DuplicateIsIgnoredAfterAClusterRestart(string store)
    {
        var storage = Storage(store);
        var serviceId = "esrs-restart-" + Guid.NewGuid().ToString("N");
        var user = "user-" + Guid.NewGuid().ToString("N");
        var purchase = TestEvents.Purchase(user, "sku-1", quantity: 2, price: 5m);

        await using (var cluster = await EsrsCluster.StartAsync(storage, serviceId))
        {
            var first = await cluster.Client.GetGrain<IUserGrain>(user).IngestAsync([purchase]);
            Assert.Equal(OutcomeKind.Accepted, first.Outcomes.Single().Kind);
        }

        await using (var cluster = await EsrsCluster.StartAsync(storage, serviceId))
        {
            var grain = cluster.Client.GetGrain<IUserGrain>(user);
            var again = await grain.IngestAsync([purchase, purchase with { EventId = TestEvents.NextId() }]);

            Assert.Equal([OutcomeKind.DuplicateById, OutcomeKind.DuplicateByContent], again.Outcomes.Select(o => o.Kind));
            var profile = await grain.GetProfileAsync();
            Assert.Equal(1, profile.Counts[EventType.Purchase]);
            Assert.Equal(10m, profile.Spend["EUR"]);
        }
    }

    [Fact]
    public async Task QuarantineReplaysUnderNewRulesExactlyOnce()
    {
        var storage = Storage("sqlite");
        var serviceId = "esrs-replay-" + Guid.NewGuid().ToString("N");
        var user = "user-" + Guid.NewGuid().ToString("N");
        var pricey = Enumerable.Range(0, 5).Select(i => TestEvents.Purchase(user, "sku-" + i, price: 500m)).ToList();
        var hopeless = TestEvents.Purchase(user, "sku-x", price: -3m);

        await using (var strict = await EsrsCluster.StartAsync(storage, serviceId, o => o.Validation.Configure(v => v.MaxUnitPrice = 100m)))
        {
            var result = await strict.Client.GetGrain<IUserGrain>(user).IngestAsync([.. pricey, hopeless]);
            Assert.Equal(6, result.Count(OutcomeKind.Quarantined));

            var unchanged = await strict.Client.GetGrain<IUserGrain>(user).ReplayQuarantineAsync();
            Assert.Equal(0, unchanged.Applied);
            Assert.Equal(6, unchanged.StillQuarantined);
        }

        await using (var relaxed = await EsrsCluster.StartAsync(storage, serviceId))
        {
            var grain = relaxed.Client.GetGrain<IUserGrain>(user);
            var replay = await grain.ReplayQuarantineAsync();
            var second = await grain.ReplayQuarantineAsync();
            var resend = await grain.IngestAsync(pricey);

            Assert.Equal(5, replay.Applied);
            Assert.Equal(1, replay.StillQuarantined);
            Assert.Equal(RuleIds.PriceNegative, replay.Outcomes.Single(o => o.Kind == OutcomeKind.Quarantined).Decisions.Single().RuleId);
            Assert.Equal(0, second.Applied);
            Assert.All(resend.Outcomes, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
            var profile = await grain.GetProfileAsync();
            Assert.Equal(5, profile.Counts[EventType.Purchase]);
            Assert.Equal(2500m, profile.Spend["EUR"]);
            Assert.Equal(5, profile.Ingest.Replayed);
            Assert.Equal(hopeless.EventId, (await grain.GetQuarantineAsync(0, 10)).Items.Single().Event.EventId);
        }

        await using (var again = await EsrsCluster.StartAsync(storage, serviceId))
        {
            var profile = await again.Client.GetGrain<IUserGrain>(user).GetProfileAsync();
            Assert.Equal(5, profile.Counts[EventType.Purchase]);
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AFullQuarantineSpillsItsOldestEntriesWhichStayListedAndReplayable(string store)
    {
        var storage = Storage(store);
        var serviceId = "esrs-spill-" + Guid.NewGuid().ToString("N");
        var user = "user-" + Guid.NewGuid().ToString("N");
        var pricey = Enumerable.Range(0, 5).Select(i => TestEvents.Purchase(user, "sku-" + i, price: 500m, at: TestEvents.Now.AddMinutes(-10 + i)) with { EventId = "pricey-" + i }).ToList();

        await using (var strict = await EsrsCluster.StartAsync(storage, serviceId, o =>
        {
            o.Validation.Configure(v => v.MaxUnitPrice = 100m);
            o.Quarantine.Configure(q => q.Capacity = 3);
        }))
        {
            var grain = strict.Client.GetGrain<IUserGrain>(user);
            Assert.Equal(5, (await grain.IngestAsync(pricey)).Count(OutcomeKind.Quarantined));

            var page = await grain.GetQuarantineAsync(0, 10);
            Assert.Equal((5L, 2L), (page.Total, page.Spilled));
            Assert.Equal(pricey.Select(e => e.EventId), page.Items.Select(q => q.Event.EventId));
            Assert.Equal(["pricey-1", "pricey-2"], (await grain.GetQuarantineAsync(1, 2)).Items.Select(q => q.Event.EventId));

            // Re-sending a spilled entry and one still in the state: each already has its one effect.
            var resent = await grain.IngestAsync([pricey[0], pricey[4]]);
            Assert.All(resent.Outcomes, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
            Assert.Equal(5, (await grain.GetProfileAsync()).Ingest.Quarantined);
            Assert.Equal(2, (await grain.GetProfileAsync()).Ingest.QuarantineSpilled);
        }

        await using (var relaxed = await EsrsCluster.StartAsync(storage, serviceId, o => o.Quarantine.Configure(q => q.Capacity = 3)))
        {
            var grain = relaxed.Client.GetGrain<IUserGrain>(user);
            Assert.Equal(5, (await grain.GetQuarantineAsync(0, 10)).Total);

            var replay = await grain.ReplayQuarantineAsync();
            Assert.Equal((5, 0L), (replay.Applied, replay.StillQuarantined));
            Assert.Empty((await grain.ReplayQuarantineAsync()).Outcomes);
            Assert.Equal((0L, 0L), ((await grain.GetQuarantineAsync(0, 10)).Total, (await grain.GetQuarantineAsync(0, 10)).Spilled));
            Assert.All((await grain.IngestAsync(pricey)).Outcomes, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
            var profile = await grain.GetProfileAsync();
            Assert.Equal(5, profile.Counts[EventType.Purchase]);
            Assert.Equal(2500m, profile.Spend["EUR"]);
        }
    }

    public void Dispose() => _directory.Dispose();

    private EsrsSiloOptions Storage(string store) => store == "sqlite"
        ? EsrsCluster.Sqlite(_directory.Path)
        : EsrsCluster.PostgreSql(TestServices.PostgreSql);
}
