using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Users;

namespace Esrs.Tests.Unit.Users;

/// <summary>The user grain's work without Orleans: the regressions of issue 9 (clock, corrections, spill) as examples.</summary>
public sealed class UserEventProcessorTests
{
    private const string User = "u-1";
    private static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void OneEventWithABrokenClockNeitherMovesTheWindowNorBlocksTheUser()
    {
        var processor = Processor();
        var broken = View("broken", "item-x", new DateTime(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(OutcomeKind.Quarantined, processor.Ingest([broken], Now).Single().Kind);

        var ordinary = Enumerable.Range(0, 11_000).Select(i => View("e-" + i, "item-" + i, Now.AddSeconds(-11_000 + i))).ToList();
        var outcomes = processor.Ingest(ordinary, Now);
        var stampedNow = processor.Ingest([View("now", "item-now", Now)], Now).Single();

        Assert.All(outcomes, o => Assert.Equal(OutcomeKind.Accepted, o.Kind));
        Assert.Equal(OutcomeKind.Accepted, stampedNow.Kind);
        Assert.Equal(1, processor.State.Quarantined);
        Assert.Single(processor.State.Quarantine);
        Assert.Empty(processor.Spilled);
        // The window forgot the 1,001 oldest accepted events, by event time: the watermark is the 1,001st oldest, far below now.
        Assert.Equal(DedupeWindow.ToSeconds(Now.AddSeconds(-11_000 + 1_000)), processor.Window.LowWatermark);
    }

    [Fact]
    public void WhatTheWindowForgetsFollowsEventTimeNotArrival()
    {
        var processor = Processor(new DedupeOptions { MaxEvents = 3 });
        var at = Now.AddHours(-1);
        processor.Ingest([View("a", "i-a", at.AddMinutes(10)), View("b", "i-b", at.AddMinutes(1)), View("c", "i-c", at.AddMinutes(5)), View("d", "i-d", at.AddMinutes(8))], Now);

        // b (the oldest by event time) was forgotten, though a arrived first.
        Assert.Equal(DedupeWindow.ToSeconds(at.AddMinutes(1)), processor.Window.LowWatermark);
        Assert.Equal(OutcomeKind.DuplicateById, processor.Ingest([View("a", "i-a", at.AddMinutes(10))], Now).Single().Kind);
        Assert.Equal(OutcomeKind.Accepted, processor.Ingest([View("e", "i-e", at.AddMinutes(4))], Now).Single().Kind);
        var copyOfForgotten = processor.Ingest([View("b2", "i-b", at.AddMinutes(1))], Now).Single();
        Assert.Equal(RuleIds.LateForDedupe, Assert.Single(copyOfForgotten.Decisions).RuleId);
    }

    [Fact]
    public void ACorrectedReSendUnderANewIdIsAcceptedAndTheRejectedOneStaysOnce()
    {
        var processor = Processor();
        var rating = View("r-1", "sku-7", Now.AddMinutes(-5)) with { Type = EventType.Rating, Rating = 9 };
        var corrected = rating with { EventId = "r-2", Rating = 4 };

        var outcomes = processor.Ingest([rating, rating, corrected, corrected with { EventId = "r-3" }], Now);

        Assert.Equal([OutcomeKind.Quarantined, OutcomeKind.DuplicateById, OutcomeKind.Accepted, OutcomeKind.DuplicateByContent], outcomes.Select(o => o.Kind));
        Assert.Equal(RuleIds.RatingRange, outcomes[0].Decisions.Single().RuleId);
        Assert.Equal("r-1", Assert.Single(processor.State.Quarantine).Event.EventId);
        Assert.Equal(1, processor.Profile(Now).Counts[EventType.Rating]);
    }

    [Fact]
    public void AFullQuarantineSpillsTheOldestAndRecognisesTheirReSends()
    {
        var processor = Processor(quarantine: new QuarantineOptions { Capacity = 2 });
        var bad = Enumerable.Range(0, 4).Select(i => View("bad-" + i, "", Now.AddMinutes(-i)) with { ItemId = null }).ToList();

        var outcomes = processor.Ingest([.. bad, bad[0]], Now);

        Assert.Equal([OutcomeKind.Quarantined, OutcomeKind.Quarantined, OutcomeKind.Quarantined, OutcomeKind.Quarantined, OutcomeKind.DuplicateById], outcomes.Select(o => o.Kind));
        Assert.Equal(["bad-0", "bad-1"], processor.Spilled.Select(q => q.Event.EventId));
        Assert.Equal(["bad-2", "bad-3"], processor.State.Quarantine.Select(q => q.Event.EventId));
        Assert.Equal((1L, 2L), (processor.State.SpilledThrough, processor.State.QuarantineSpilled));

        // In a later call the spill store answers for the spilled ones.
        var later = processor.Ingest([bad[1], bad[2]], Now, new SpilledMatches(new HashSet<ulong> { QuarantineIdentity.Of(bad[1]) }, new HashSet<ulong>()));
        Assert.All(later, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
        Assert.Equal(4, processor.State.Quarantined);
    }

    [Fact]
    public void ACopyUnderANewIdThatIsRejectedAgainIsADuplicateOfTheQuarantinedOne()
    {
        var processor = Processor(quarantine: new QuarantineOptions { Capacity = 1 });
        var guest = View("uci-1", "85123A", Now.AddMinutes(-3)) with { UserId = "" };
        var other = View("uci-2", "71053", Now.AddMinutes(-2)) with { UserId = "" };

        var outcomes = processor.Ingest([guest, guest with { EventId = "uci-9" }, other], Now);
        var afterSpill = processor.Ingest([guest with { EventId = "uci-10" }], Now, new SpilledMatches(new HashSet<ulong>(), new HashSet<ulong> { EventFingerprint.OfContent(guest) }));

        Assert.Equal([OutcomeKind.Quarantined, OutcomeKind.DuplicateByContent, OutcomeKind.Quarantined], outcomes.Select(o => o.Kind));
        Assert.Equal(OutcomeKind.DuplicateByContent, afterSpill.Single().Kind);
        Assert.Equal(2, processor.State.Quarantined);
    }

    [Fact]
    public void AQuarantineOverItsByteBudgetSpillsToo()
    {
        var processor = Processor(quarantine: new QuarantineOptions { Capacity = 1_000, MaxBytes = 4_000 });
        var huge = View("huge", "sku", Now.AddMinutes(-1)) with
        {
            ItemId = null,
            Attributes = Enumerable.Range(0, 100).ToDictionary(i => "key-" + i, i => new string('x', 20)),
        };

        processor.Ingest([huge, View("small", "", Now) with { ItemId = null }], Now);

        Assert.Equal(["huge"], processor.Spilled.Select(q => q.Event.EventId));
        Assert.Equal(["small"], processor.State.Quarantine.Select(q => q.Event.EventId));
    }

    [Fact]
    public void ReplayAppliesSpilledEntriesOnceAndResolvesOnesAlreadyApplied()
    {
        var strict = new ValidationOptions { MaxUnitPrice = 100m };
        var state = new UserState();
        var processor = Processor(validation: strict, state: state, quarantine: new QuarantineOptions { Capacity = 1 });
        var pricey = Enumerable.Range(0, 3).Select(i => View("p-" + i, "sku-" + i, Now.AddMinutes(-i)) with { Type = EventType.Purchase, Quantity = 1, UnitPrice = 500m, Currency = "EUR" }).ToList();
        processor.Ingest(pricey, Now);
        var spilled = processor.Spilled.ToList();
        processor.SealState();

        var relaxed = Processor(state: state, quarantine: new QuarantineOptions { Capacity = 1 });
        var result = relaxed.Replay(Now, spilled);
        Assert.Equal((3, 0L), (result.Applied, result.StillQuarantined));
        Assert.Equal(spilled.Select(q => q.Sequence), state.ResolvedSpilled);

        // The clean-up of the spill store failed: the same rows come back and are resolved, not applied again.
        state.ResolvedSpilled.Clear();
        var again = relaxed.Replay(Now, spilled);
        Assert.Equal(0, again.Applied);
        Assert.All(again.Outcomes, o => Assert.Equal(OutcomeKind.DuplicateById, o.Kind));
        Assert.Equal(3, relaxed.Profile(Now).Counts[EventType.Purchase]);
    }

    [Fact]
    public void ARetryOfAnEventAcceptedAlreadyOlderThanTheWindowIsADuplicateNotASecondEffect()
    {
        // Found by the load client's fault test: a late event (400 days old) was accepted, its acknowledgement lost with a
        // killed silo, and the retry went to the quarantine as "late for dedupe": one event kept twice.
        var state = new UserState();
        var processor = Processor(state: state);
        Assert.Equal(OutcomeKind.Accepted, processor.Ingest([View("recent", "i-1", Now.AddMinutes(-5))], Now).Single().Kind);
        var late = View("late", "i-2", Now.AddDays(-400));
        Assert.Equal(OutcomeKind.Accepted, processor.Ingest([late], Now).Single().Kind);
        processor.SealState();

        // The retry reaches a new activation, which reads the stored state.
        var reactivated = Processor(state: state);
        Assert.Equal(OutcomeKind.DuplicateById, reactivated.Ingest([late], Now).Single().Kind);
        Assert.Equal(2, reactivated.State.Accepted);
        Assert.Equal(0, reactivated.State.Quarantined);

        // A copy under a new id is still kept aside rather than counted twice.
        Assert.Equal(OutcomeKind.Quarantined, reactivated.Ingest([late with { EventId = "late-copy" }], Now).Single().Kind);
    }

    [Fact]
    public void ARetryOfAnEventANewerOneJustPushedOutOfTheWindowIsADuplicateNotASecondEffect()
    {
        var processor = Processor();
        var late = View("late-first", "i-1", Now.AddDays(-200));
        processor.Ingest([late], Now);
        processor.Ingest([View("recent", "i-2", Now.AddMinutes(-1))], Now);

        Assert.Equal(OutcomeKind.DuplicateById, processor.Ingest([late], Now).Single().Kind);
        Assert.Equal(2, processor.State.Accepted);
        Assert.Equal(0, processor.State.Quarantined);
    }

    private static UserEvent View(string id, string item, DateTime at) => new()
    {
        EventId = id,
        UserId = User,
        Type = EventType.View,
        OccurredAt = at,
        Source = "test",
        ItemId = item,
    };

    private static UserEventProcessor Processor(DedupeOptions? dedupe = null, QuarantineOptions? quarantine = null, ValidationOptions? validation = null, UserState? state = null) =>
        new(User, state ?? new UserState(), new EventValidator(), validation ?? new ValidationOptions(), dedupe ?? new DedupeOptions(), new ProfileOptions(), quarantine ?? new QuarantineOptions());
}
