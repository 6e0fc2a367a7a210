using Esrs.Events;
using Esrs.Quality;
using Esrs.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Esrs.Tests.Quality;

/// <summary>The aggregator's core without Orleans, on a fake clock: deliveries merged once, windows, alerts, bounded sources, copies out.</summary>
public sealed class QualityAggregatorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 27, 10, 0, 5, TimeSpan.Zero));

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    [Fact]
    public void ADeliveryRetriedAfterALostAnswerIsMergedOnce()
    {
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions());
        var delivery = Sketches(("shop", 10));

        Assert.True(aggregator.Merge("shard/a", 1, delivery, Now));
        Assert.False(aggregator.Merge("shard/a", 1, delivery, Now));
        Assert.True(aggregator.Merge("shard/b", 1, Sketches(("shop", 5)), Now));
        Assert.True(aggregator.Merge("shard/a", 2, Sketches(("shop", 1)), Now));
        aggregator.Tick(Now);

        Assert.Equal(16, Total(aggregator, "shop").Events);
        Assert.Equal(16, Total(aggregator, QualitySources.All).Events);
        // A restart from the written state still knows what it merged.
        var restarted = new QualityAggregator(aggregator.State, new QualityOptions());
        Assert.False(restarted.Merge("shard/a", 2, Sketches(("shop", 1)), Now));
    }

    [Fact]
    public void WindowsCloseOnTheClockAndHistoryKeepsTheirMetrics()
    {
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions());
        aggregator.Merge("s", 1, Sketches(("shop", 100, 10)), Now);
        aggregator.Tick(Now);
        var minute = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
        Assert.Equal([(minute, true)], aggregator.History("quarantine_rate", "shop", minute, minute.AddHours(1), WindowGranularity.Minute).Select(p => (p.Start, p.Open)));

        _clock.Advance(TimeSpan.FromMinutes(1));
        aggregator.Tick(Now);

        var point = Assert.Single(aggregator.History("quarantine_rate", "shop", minute, minute.AddHours(1), WindowGranularity.Minute));
        Assert.False(point.Open);
        Assert.Equal((100L, 0.1), (point.Events, point.Value));
    }

    [Fact]
    public void AQuarantineRateJumpOpensAnAlertAndASteadyReturnResolvesIt()
    {
        var options = new QualityOptions { Anomaly = new AnomalyOptions { OnlineNormal = false, MinEvents = 10 } };
        var aggregator = new QualityAggregator(new QualityState(), options);
        var sequence = 0L;
        void Minute(int events, int quarantined)
        {
            aggregator.Merge("s", ++sequence, Sketches(("shop", events, quarantined)), Now);
            aggregator.Tick(Now);
            _clock.Advance(TimeSpan.FromMinutes(1));
            aggregator.Tick(Now);
        }

        for (var i = 0; i < 5; i++)
        {
            Minute(100, 10);
        }

        Minute(100, 60);
        var alert = Assert.Single(aggregator.Alerts(includeResolved: false), a => a.Metric == "quarantine_rate" && a.Source == "shop");
        Assert.Equal(0.6, alert.Observed, 9);

        // The way back is itself a change from the window before; one steady minute later the alert resolves.
        Minute(100, 10);
        Minute(100, 10);
        Assert.DoesNotContain(aggregator.Alerts(includeResolved: false), a => a.Metric == "quarantine_rate" && a.Source == "shop");
        Assert.NotNull(aggregator.Alerts(includeResolved: true).Single(a => a.Id == alert.Id).ResolvedAt);
    }

    [Fact]
    public void SourcesPastTheLimitAndOverlongNamesAreCountedUnderOther()
    {
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions { MaxSources = 3, MaxSourceLength = 10 });

        aggregator.Merge("s", 1, Sketches(("a", 1), ("b", 1), ("c", 1), ("d", 2), ("a-name-far-too-long", 4)), Now);
        aggregator.Merge("s", 2, Sketches(("e", 8), ("a", 1)), Now);
        aggregator.Tick(Now);

        var sources = aggregator.Snapshot(Now).Sources.ToDictionary(s => s.Source, s => s.Total.Events);
        Assert.Equal(new Dictionary<string, long> { [QualitySources.All] = 18, ["a"] = 2, ["b"] = 1, ["c"] = 1, [QualityOptions.OtherSource] = 14 }, sources);
    }

    [Fact]
    public void ASnapshotIsACopyThatChangesNothingWhenChanged()
    {
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions());
        aggregator.Merge("s", 1, Sketches(("shop", 10)), Now);
        aggregator.Tick(Now);

        var snapshot = aggregator.Snapshot(Now);
        snapshot.Sources.Single(s => s.Source == "shop").Total.Merge(Sketch(1_000));
        aggregator.Merge("s", 2, Sketches(("shop", 1)), Now);
        aggregator.Tick(Now);

        Assert.Equal(10, snapshot.Sources.Single(s => s.Source == "shop").Total.Events - 1_000);
        Assert.Equal(11, Total(aggregator, "shop").Events);
    }

    [Fact]
    public void AnErasedUsersExamplesGoFromEverySketchAndTheOnesStillOnTheirWayAreDroppedForAnHour()
    {
        var aggregator = new QualityAggregator(new QualityState(), new QualityOptions { ErasedMemory = TimeSpan.FromHours(1) });
        aggregator.Merge("s", 1, new() { ["shop"] = Rejected("erase-me", "rule.a"), ["other"] = Rejected("keep-me", "rule.a") }, Now);
        aggregator.Tick(Now);
        aggregator.Merge("s", 2, new() { ["shop"] = Rejected("erase-me", "rule.b") }, Now);

        var removed = aggregator.ForgetUser("erase-me", Now);
        aggregator.Tick(Now);

        // rule.a of "shop": its total and its minute, hour and day windows = 4 ("*" keeps one example per rule, the newest,
        // and "other" merged after "shop", so it names keep-me); rule.b, still waiting for the tick = 1.
        Assert.Equal(5, removed);
        Assert.DoesNotContain(Examples(aggregator), e => e.UserId == "erase-me");
        Assert.Contains(Examples(aggregator), e => e.UserId == "keep-me");

        // A delivery that was on its way: dropped as it lands, within the hour; after it, examples are kept again.
        aggregator.Merge("late", 1, new() { ["shop"] = Rejected("erase-me", "rule.c") }, Now);
        aggregator.Tick(Now);
        Assert.DoesNotContain(Examples(aggregator), e => e.UserId == "erase-me");
        _clock.Advance(TimeSpan.FromHours(2));
        aggregator.Tick(Now);
        Assert.Empty(aggregator.State.Erased);
        aggregator.Merge("late", 2, new() { ["shop"] = Rejected("erase-me", "rule.c") }, Now);
        aggregator.Tick(Now);
        Assert.Contains(Examples(aggregator), e => e.UserId == "erase-me");
    }

    private static IEnumerable<QuarantineExample> Examples(QualityAggregator aggregator) =>
        aggregator.State.Totals.Values.Concat(aggregator.State.Open.Values.Select(w => w.Sketch)).SelectMany(s => s.Examples.Values);

    private QualitySketch Rejected(string user, string rule)
    {
        var sketch = new QualitySketch();
        var e = TestEvents.View(user, "sku", Now.AddMinutes(-1));
        sketch.Add(e, new EventOutcome(e.EventId, OutcomeKind.Quarantined, [new RuleDecision(rule, DecisionKind.Rejected, "itemId", "test")]), Now);
        return sketch;
    }

    private static QualitySketch Total(QualityAggregator aggregator, string source) => aggregator.State.Totals[source];

    private Dictionary<string, QualitySketch> Sketches(params (string Source, int Events)[] sources) =>
        sources.ToDictionary(s => s.Source, s => Sketch(s.Events));

    private Dictionary<string, QualitySketch> Sketches((string Source, int Events, int Quarantined) source) =>
        new() { [source.Source] = Sketch(source.Events, source.Quarantined) };

    private QualitySketch Sketch(int events, int quarantined = 0)
    {
        var sketch = new QualitySketch();
        for (var i = 0; i < events; i++)
        {
            var e = TestEvents.View("u", "sku-" + (i % 7), Now.AddMinutes(-1));
            sketch.Add(e, i < quarantined
                ? new EventOutcome(e.EventId, OutcomeKind.Quarantined, [new RuleDecision(RuleIds.RequiredField, DecisionKind.Rejected, "itemId", "needs an item")])
                : new EventOutcome(e.EventId, OutcomeKind.Accepted, EventOutcome.NoDecisions), Now);
        }

        return sketch;
    }
}
