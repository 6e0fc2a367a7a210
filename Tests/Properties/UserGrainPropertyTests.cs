using CsCheck;
using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Esrs.Tests.Properties;

/// <summary>
/// The user grain's promises as properties of its core (<see cref="UserEventProcessor"/>), over random streams of one
/// user's events: re-sends under the same and new ids, out-of-order and far-future times, invalid values, corrected
/// re-sends, another user's events, replays under stricter and laxer rules, a dedupe window and a quarantine small
/// enough to overflow (the quarantine spilling into an in-memory spill store kept like the real one), restarts through
/// the Orleans serializer, and calls that crash after the work but before the write (retried, as a producer would).
/// Every outcome is checked against <see cref="UserStreamModel"/>: every event has exactly one effect or is a true
/// duplicate, no effect twice, nothing of another user, and what the window forgets follows event time.
/// </summary>
public sealed class UserGrainPropertyTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(UserState).Assembly).AddAssembly(typeof(UserEvent).Assembly))
        .BuildServiceProvider().GetRequiredService<Serializer>();

    private static readonly Gen<Fact> GenFact =
        from type in Gen.OneOf(Gen.Const(EventType.View), Gen.Const(EventType.Purchase), Gen.Const(EventType.Rating))
        from item in Gen.Int[0, 4]
        from second in Gen.Frequency((6, Gen.Int[0, 10_800]), (2, Gen.Int[0, 60]))
        from defect in Gen.Frequency((10, Gen.Const(Defect.None)), (1, Gen.Const(Defect.FutureTime)), (1, Gen.Const(Defect.MissingItem)),
            (1, Gen.Const(Defect.OtherUser)), (2, Gen.Const(Defect.BadRating)), (2, Gen.Const(Defect.Pricey)))
        select new Fact(type, "sku-" + item, second, (type, defect) switch
        {
            (not EventType.Rating, Defect.BadRating) => Defect.None,
            (not EventType.Purchase, Defect.Pricey) => Defect.None,
            _ => defect,
        });

    private static readonly Gen<Scenario> GenScenario =
        from facts in GenFact.Array[1, 24]
        from maxEvents in Gen.Int[2, 12]
        from capacity in Gen.Int[1, 5]
        from commands in GenCommand(facts.Length).Array[1, 40]
        select new Scenario(facts, maxEvents, capacity, commands);

    [Fact]
    public void EveryEventHasExactlyOneEffectOrIsATrueDuplicate() =>
        GenScenario.Sample(Run, iter: Iterations(3_000), threads: 1);

    [Fact]
    [Trait("Category", "Slow")]
    public void EveryEventHasExactlyOneEffectOrIsATrueDuplicateOverManyMoreStreams() =>
        GenScenario.Sample(Run, iter: Iterations(30_000));

    private static long Iterations(long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable("ESRS_PROPERTY_ITERATIONS"), out var n) && n > 0 ? n : fallback;

    private static Gen<Command> GenCommand(int facts) => Gen.Frequency(
        (12, from events in Gen.Select(Gen.Int[0, facts - 1], Gen.Frequency((3, Gen.Const(false)), (2, Gen.Const(true)))).Array[1, 6]
             select (Command)new Send(events)),
        (2, from crash in Gen.Bool select (Command)new Replay(crash)),
        (2, from relaxed in Gen.Bool select (Command)new Restart(relaxed)),
        (2, from events in Gen.Select(Gen.Int[0, facts - 1], Gen.Bool).Array[1, 4] select (Command)new CrashDuring(new Send(events))));

    private static void Run(Scenario scenario)
    {
        var dedupe = new DedupeOptions { MaxEvents = scenario.MaxEvents, Window = TimeSpan.FromHours(1) };
        var quarantine = new QuarantineOptions { Capacity = scenario.Capacity, MaxReplaySpilled = int.MaxValue };
        var model = new UserStreamModel(dedupe);
        var spill = new SortedDictionary<long, QuarantinedEvent>();
        var idsOfFact = new Dictionary<int, List<string>>();
        var nextId = 0;
        var persisted = new UserState();
        var processor = Open(persisted, model, dedupe, quarantine);

        foreach (var command in scenario.Commands)
        {
            // As the grain does first in every call: rows a replay resolved (named by the durable state) leave the store.
            CleanUp(spill, processor.State);
            switch (command)
            {
                case Send send:
                    persisted = IngestAndCheck(model, processor, spill, Events(send, scenario, idsOfFact, ref nextId));
                    break;

                case CrashDuring crash:
                {
                    // The work is done and spilled rows may be written, then the process dies before the state write;
                    // the producer, never acknowledged, sends the same events again to a reloaded grain.
                    var batch = Events(crash.Send, scenario, idsOfFact, ref nextId);
                    processor.Ingest([.. batch.Select(b => b.Event)], UserStreamModel.Now, Matches(spill, processor.State, batch.Select(b => b.Event)));
                    Store(spill, processor.Spilled);
                    processor = Open(persisted, model, dedupe, quarantine);
                    persisted = IngestAndCheck(model, processor, spill, batch);
                    break;
                }

                case Replay replay:
                {
                    var through = processor.State.SpilledThrough;
                    var page = spill.Values.Where(q => q.Sequence <= through).ToList();
                    var inState = processor.State.Quarantine.ToList();
                    var result = processor.Replay(UserStreamModel.Now, page);
                    persisted = Persist(processor);
                    if (replay.CrashBeforeCleanup)
                    {
                        // The state naming the resolved rows is durable; the process died before deleting them.
                        processor = Open(persisted, model, dedupe, quarantine);
                    }
                    else
                    {
                        CleanUp(spill, processor.State);
                    }

                    CheckReplay(model, scenario, [.. page, .. inState], result);
                    break;
                }

                case Restart restart:
                    model.Relaxed = restart.Relaxed;
                    processor = Open(persisted, model, dedupe, quarantine);
                    break;
            }

            Assert.True(processor.Window.LowWatermark <= Math.Max(model.LateBound, -1), $"watermark {processor.Window.LowWatermark} beyond what the applied events allow ({model.LateBound})");
        }

        CleanUp(spill, processor.State);
        CheckEnd(model, processor, spill);
    }

    private static void CleanUp(SortedDictionary<long, QuarantinedEvent> spill, UserState state)
    {
        foreach (var sequence in state.ResolvedSpilled)
        {
            spill.Remove(sequence);
        }

        state.ResolvedSpilled.Clear();
    }

    /// <summary>One call that completes: ingest, spill rows first, then the state; every outcome checked. Returns the persisted state.</summary>
    private static UserState IngestAndCheck(UserStreamModel model, UserEventProcessor processor, SortedDictionary<long, QuarantinedEvent> spill, List<(Fact Fact, UserEvent Event)> batch)
    {
        var outcomes = processor.Ingest([.. batch.Select(b => b.Event)], UserStreamModel.Now, Matches(spill, processor.State, batch.Select(b => b.Event)));
        Store(spill, processor.Spilled);
        var persisted = Persist(processor);
        for (var i = 0; i < batch.Count; i++)
        {
            Check(model, batch[i].Fact, batch[i].Event, outcomes[i]);
        }

        return persisted;
    }

    private static List<(Fact Fact, UserEvent Event)> Events(Send send, Scenario scenario, Dictionary<int, List<string>> idsOfFact, ref int nextId)
    {
        var batch = new List<(Fact, UserEvent)>(send.Events.Length);
        foreach (var (index, reuseId) in send.Events)
        {
            var ids = idsOfFact.TryGetValue(index, out var known) ? known : idsOfFact[index] = [];
            string id;
            if (reuseId && ids.Count > 0)
            {
                id = ids[nextId % ids.Count];
            }
            else
            {
                id = "ev-" + (++nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
                ids.Add(id);
            }

            batch.Add((scenario.Facts[index], scenario.Facts[index].Event(id)));
        }

        return batch;
    }

    private static void Check(UserStreamModel model, Fact fact, UserEvent e, EventOutcome outcome)
    {
        var key = Fact.KeyOf(e);
        var second = UserStreamModel.Second(e.OccurredAt);
        var valid = model.IsValid(fact);
        var late = valid && second <= model.LateBound;
        var context = $"{outcome.Kind} for {e.EventId} {fact} (late bound {model.LateBound}): {string.Join(", ", outcome.Decisions.Select(d => d.RuleId))}";
        var idKnown = model.Effects.ContainsKey(e.EventId);
        switch (outcome.Kind)
        {
            case OutcomeKind.Accepted or OutcomeKind.Repaired:
                Assert.True(valid, "applied an event the rules reject: " + context);
                Assert.True(e.UserId == UserStreamModel.User, "applied another user's event: " + context);
                Assert.False(model.Applied.ContainsKey(key), "applied a fact twice: " + context);
                Assert.True(!idKnown || model.WasForgotten(e.EventId), "applied an id that already has an effect: " + context);
                model.RecordApplied(e.EventId, key, e.Type, second);
                break;
            case OutcomeKind.DuplicateById:
                Assert.True(idKnown, "duplicate by id of an id without an effect: " + context);
                break;
            case OutcomeKind.DuplicateByContent:
                Assert.True(
                    (model.Applied.TryGetValue(key, out var other) && other != e.EventId) || (model.Quarantined.ContainsKey(key) && (!valid || late)),
                    "duplicate by content of nothing with that content: " + context);
                break;
            case OutcomeKind.Quarantined:
                Assert.False(model.Quarantined.ContainsKey(key), "quarantined a fact twice: " + context);
                Assert.True(!idKnown || model.WasForgotten(e.EventId), "quarantined an id that already has an effect: " + context);
                if (valid)
                {
                    Assert.True(late && outcome.Decisions.All(d => d.RuleId == RuleIds.LateForDedupe || d.Kind != DecisionKind.Rejected),
                        "quarantined a valid event that is not late: " + context);
                }

                model.RecordQuarantined(e.EventId, key, second);
                break;
        }

        // Liveness: a valid event never seen, of a fact never applied, above what the window may have forgotten, is applied.
        if (valid && !idKnown && !model.Applied.ContainsKey(key) && !model.Quarantined.ContainsKey(key) && second > model.LateBound)
        {
            Assert.True(outcome.Kind is OutcomeKind.Accepted or OutcomeKind.Repaired, "a fresh valid event was not applied: " + context);
        }

        if (!valid && !idKnown && !model.Applied.ContainsKey(key) && !model.Quarantined.ContainsKey(key))
        {
            Assert.True(outcome.Kind == OutcomeKind.Quarantined, "a fresh invalid event was not quarantined: " + context);
        }
    }

    private static void CheckReplay(UserStreamModel model, Scenario scenario, List<QuarantinedEvent> entries, ReplayResult result)
    {
        Assert.Equal(entries.Count, result.Outcomes.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i].Event;
            var outcome = result.Outcomes[i];
            var key = Fact.KeyOf(e);
            var second = UserStreamModel.Second(e.OccurredAt);
            var fact = scenario.Facts.First(f => Fact.KeyOf(f.Event(e.EventId)) == key);
            var context = $"replay {outcome.Kind} for {e.EventId} {fact}: {string.Join(", ", outcome.Decisions.Select(d => d.RuleId))}";
            switch (outcome.Kind)
            {
                case OutcomeKind.Accepted or OutcomeKind.Repaired:
                    Assert.True(model.IsValid(fact) && second > model.LateBound, "replay applied what the rules reject: " + context);
                    Assert.False(model.Applied.ContainsKey(key), "replay applied a fact twice: " + context);
                    model.Quarantined.Remove(key);
                    model.RecordApplied(e.EventId, key, e.Type, second);
                    break;
                case OutcomeKind.DuplicateById:
                    Assert.True(model.Effects.TryGetValue(e.EventId, out var effect) && effect.Applied, "replay resolved an entry as applied that was not: " + context);
                    model.Quarantined.Remove(key);
                    break;
                case OutcomeKind.DuplicateByContent:
                    Assert.True(model.Applied.TryGetValue(key, out var other) && other != e.EventId, "replay resolved a copy of nothing applied: " + context);
                    model.Quarantined.Remove(key);
                    // The entry's effect is now the applied copy: a later re-send of its id is judged like one of that copy.
                    model.Effects[e.EventId] = (key, true, second);
                    break;
                case OutcomeKind.Quarantined:
                    Assert.True(!model.IsValid(fact) || second <= model.LateBound, "replay kept a valid entry: " + context);
                    break;
            }
        }
    }

    private static void CheckEnd(UserStreamModel model, UserEventProcessor processor, SortedDictionary<long, QuarantinedEvent> spill)
    {
        var profile = processor.Profile(UserStreamModel.Now);
        foreach (var type in new[] { EventType.View, EventType.Purchase, EventType.Rating })
        {
            Assert.Equal(model.AppliedPerType.GetValueOrDefault(type), profile.Counts.GetValueOrDefault(type));
        }

        var listed = spill.Values.Where(q => q.Sequence <= processor.State.SpilledThrough).Concat(processor.State.Quarantine).Select(q => q.Event.EventId).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(model.Quarantined.Values.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        Assert.Equal(model.Applied.Count, processor.State.Accepted + processor.State.Repaired);
    }

    private static UserEventProcessor Open(UserState persisted, UserStreamModel model, DedupeOptions dedupe, QuarantineOptions quarantine) =>
        new(UserStreamModel.User, RoundTrip(persisted), new EventValidator(),
            new ValidationOptions { MaxUnitPrice = model.Relaxed ? 100_000m : 100m }, dedupe, new ProfileOptions(), quarantine);

    private static UserState Persist(UserEventProcessor processor)
    {
        processor.SealState();
        return RoundTrip(processor.State);
    }

    /// <summary>The state as it comes back from storage: serialised and read back, sharing nothing with the processor's.</summary>
    private static UserState RoundTrip(UserState state) =>
        Serializer.Deserialize<UserState>(Serializer.SerializeToArray(state)) ?? throw new InvalidOperationException("state did not round-trip");

    private static SpilledMatches Matches(SortedDictionary<long, QuarantinedEvent> spill, UserState state, IEnumerable<UserEvent> batch)
    {
        var kept = spill.Values.Where(q => q.Sequence <= state.SpilledThrough).ToList();
        var identities = kept.Select(q => QuarantineIdentity.Of(q.Event)).ToHashSet();
        var contents = kept.Select(q => EventFingerprint.OfContent(q.Event)).ToHashSet();
        var wanted = batch.ToList();
        return new SpilledMatches(
            wanted.Select(QuarantineIdentity.Of).Where(identities.Contains).ToHashSet(),
            wanted.Select(EventFingerprint.OfContent).Where(contents.Contains).ToHashSet());
    }

    private static void Store(SortedDictionary<long, QuarantinedEvent> spill, List<QuarantinedEvent> spilled)
    {
        foreach (var entry in spilled)
        {
            spill[entry.Sequence] = entry;
        }
    }

    private sealed record Scenario(Fact[] Facts, int MaxEvents, int Capacity, Command[] Commands)
    {
        public override string ToString() =>
            $"MaxEvents {MaxEvents}, Capacity {Capacity}; facts [{string.Join("; ", Facts.Select((f, i) => $"{i}: {f}"))}]; commands [{string.Join("; ", Commands.Select(c => c.ToString()))}]";
    }

    private abstract record Command;

    private sealed record Send((int Fact, bool ReuseId)[] Events) : Command
    {
        public override string ToString() => "send " + string.Join(",", Events.Select(e => e.Fact + (e.ReuseId ? "(same id)" : "")));
    }

    private sealed record Replay(bool CrashBeforeCleanup) : Command;

    private sealed record Restart(bool Relaxed) : Command;

    private sealed record CrashDuring(Send Send) : Command;
}
