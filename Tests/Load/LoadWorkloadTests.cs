using Esrs.Client.Load;
using Esrs.Events;
using Microsoft.Extensions.Time.Testing;

namespace Esrs.Tests.Load;

/// <summary>The load client's shop: Zipf probabilities by hand, the planted dirt at the rates asked, ids never reused.</summary>
public sealed class LoadWorkloadTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static LoadVocabulary Vocabulary() => new(
        [new LoadItem("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 2.55m), new LoadItem("71053", "WHITE METAL LANTERN", 3.39m), new LoadItem("22423", "REGENCY CAKESTAND 3 TIER", 12.75m)],
        ["heart", "lantern", "cakestand"],
        [(EventType.View, 0.8), (EventType.AddToCart, 0.1), (EventType.Favorite, 0.05), (EventType.Purchase, 0.05)]);

    [Fact]
    public void ZipfProbabilitiesAreOneOverRankNormalised()
    {
        // s = 1, n = 3: H = 1 + 1/2 + 1/3 = 11/6, so 6/11, 3/11, 2/11.
        var zipf = new ZipfSampler(3, 1.0);
        Assert.Equal(6.0 / 11, zipf.Probability(0), 12);
        Assert.Equal(3.0 / 11, zipf.Probability(1), 12);
        Assert.Equal(2.0 / 11, zipf.Probability(2), 12);

        var random = new Random(5);
        var counts = new int[3];
        for (var i = 0; i < 60_000; i++)
        {
            counts[zipf.Next(random)]++;
        }

        Assert.Equal(6.0 / 11, counts[0] / 60_000.0, 0.01);
        Assert.Equal(2.0 / 11, counts[2] / 60_000.0, 0.01);
    }

    [Fact]
    public void DirtComesAtTheShareAskedInEqualKindsAndEveryIdIsNew()
    {
        var workload = new LoadWorkload(Vocabulary(), new WorkloadSettings(Users: 1_000, DirtyShare: 0.3), "t1", seed: 3, new FakeTimeProvider(Now));
        var events = workload.NextBatch(20_000);

        Assert.Equal(0.3, events.Count(e => e.Dirt != DirtKind.Clean) / 20_000.0, 0.015);
        foreach (var kind in new[] { DirtKind.Resend, DirtKind.Invalid, DirtKind.Late, DirtKind.Future })
        {
            Assert.Equal(0.075, events.Count(e => e.Dirt == kind) / 20_000.0, 0.01);
        }

        Assert.Equal(events.Length, events.Select(e => e.Event.EventId).Distinct().Count());
        Assert.All(events, e => Assert.StartsWith("load-t1-", e.Event.UserId, StringComparison.Ordinal));
        Assert.All(events.Where(e => e.Dirt == DirtKind.Future), e => Assert.True(e.Event.OccurredAt >= Now.UtcDateTime.AddMinutes(10)));
        Assert.All(events.Where(e => e.Dirt == DirtKind.Late), e => Assert.True(e.Event.OccurredAt <= Now.UtcDateTime.AddHours(-1)));
        Assert.All(events.Where(e => e.Dirt == DirtKind.Clean), e => Assert.Equal(Now.UtcDateTime, e.Event.OccurredAt));

        // A re-send is an earlier clean event of the same user under a new id: everything else equal.
        var clean = events.Where(e => e.Dirt == DirtKind.Clean).Select(e => e.Event).ToList();
        Assert.All(events.Where(e => e.Dirt == DirtKind.Resend), e =>
            Assert.Contains(clean, c => c.EventId != e.Event.EventId && c with { EventId = e.Event.EventId } == e.Event));
    }

    [Fact]
    public void TheSameSeedGivesTheSameEvents()
    {
        LoadEvent[] Draw() => new LoadWorkload(Vocabulary(), new WorkloadSettings(Users: 500), "same", seed: 11, new FakeTimeProvider(Now)).NextBatch(2_000);
        Assert.Equal(Draw().Select(e => (e.Event.EventId, e.Event.UserId, e.Event.Type, e.Event.ItemId, e.Dirt)), Draw().Select(e => (e.Event.EventId, e.Event.UserId, e.Event.Type, e.Event.ItemId, e.Dirt)));
    }
}
