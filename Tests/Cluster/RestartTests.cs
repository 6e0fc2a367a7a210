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

    [Fact]
    public async Task FullQuarantineEvictsTheOldestAndCountsIt()
    {
        var user = "user-" + Guid.NewGuid().ToString("N");
        await using var cluster = await EsrsCluster.StartAsync(Storage("sqlite"), "esrs-evict-" + Guid.NewGuid().ToString("N"), o => o.Quarantine.Configure(q => q.Capacity = 3));
        var grain = cluster.Client.GetGrain<IUserGrain>(user);
        var bad = Enumerable.Range(0, 5).Select(i => TestEvents.Search(user, "", at: TestEvents.Now.AddMinutes(-i - 1)) with { EventId = "bad-" + i }).ToList();

        await grain.IngestAsync(bad);

        var page = await grain.GetQuarantineAsync(0, 10);
        Assert.Equal(3, page.Total);
        Assert.Equal(2, page.Evicted);
        Assert.Equal(["bad-2", "bad-3", "bad-4"], page.Items.Select(q => q.Event.EventId));
        Assert.Equal(2, (await grain.GetProfileAsync()).Ingest.QuarantineEvicted);
    }

    public void Dispose() => _directory.Dispose();

    private EsrsSiloOptions Storage(string store) => store == "sqlite"
        ? EsrsCluster.Sqlite(_directory.Path)
        : EsrsCluster.PostgreSql(TestServices.PostgreSql);
}
