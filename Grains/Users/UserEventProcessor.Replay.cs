using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Users;

/// <summary>Quarantine replay: re-validating kept entries, in the state and read back from the spill store.</summary>
public sealed partial class UserEventProcessor
{
    /// <summary>
    /// Re-validates every quarantined entry of the state, and <paramref name="spilled"/> (entries read back from the spill
    /// store, oldest first), under the current rules. Entries that pass are applied; entries already applied or copies of
    /// applied events are resolved as duplicates; both leave the quarantine in the same state change. The sequences of
    /// the spilled entries that left are added to <see cref="UserState.ResolvedSpilled"/>, for the caller to delete from the
    /// spill store after persisting (and to clear once deleted).
    /// </summary>
    public ReplayResult Replay(DateTime now, IReadOnlyList<QuarantinedEvent> spilled, long notReplayed = 0, ICatalogueLookup? catalogue = null)
    {
        ArgumentNullException.ThrowIfNull(spilled);
        var s = State;
        BeginCall();
        var context = new ValidationContext(_grainKey, now, _validation, catalogue);
        var outcomes = new List<EventOutcome>(s.Quarantine.Count + spilled.Count);
        long stillSpilled = 0;
        foreach (var entry in spilled)
        {
            var outcome = ReplayOne(entry, context, out var stays);
            outcomes.Add(outcome);
            if (stays is null)
            {
                s.ResolvedSpilled.Add(entry.Sequence);
            }
            else
            {
                stillSpilled++;
            }
        }

        var remaining = new List<QuarantinedEvent>(s.Quarantine.Count);
        foreach (var entry in s.Quarantine)
        {
            outcomes.Add(ReplayOne(entry, context, out var stays));
            if (stays is not null)
            {
                remaining.Add(stays);
            }
            else
            {
                _quarantined.Remove(QuarantineIdentity.Of(entry.Event));
                _quarantinedContent.Remove(EventFingerprint.OfContent(entry.Event));
                _quarantineBytes -= QuarantineIdentity.EstimateBytes(entry);
            }
        }

        s.Quarantine = remaining;
        return new ReplayResult(outcomes, remaining.Count + stillSpilled + notReplayed, notReplayed);
    }

    /// <summary>Replays one entry: null in <paramref name="stays"/> when it left the quarantine, else the entry to keep (with fresh reasons).</summary>
    private EventOutcome ReplayOne(QuarantinedEvent entry, in ValidationContext context, out QuarantinedEvent? stays)
    {
        var e = entry.Event;
        var idHash = EventFingerprint.OfId(e.EventId);
        var contentHash = EventFingerprint.OfContent(e);
        stays = null;
        if (_window.ContainsId(idHash))
        {
            // Applied already (a replay whose clean-up did not finish): resolved, not applied twice.
            return CountDuplicate(e, DuplicateKind.ById);
        }

        if (_window.IsCopyOfAnother(idHash, contentHash))
        {
            return CountDuplicate(e, DuplicateKind.ByContent);
        }

        // An entry forwarded from another member of the person is judged as that member's, as it was at first.
        var validation = Validate(e, context with { GrainKey = OriginOf(e) });
        if (validation.IsRejected)
        {
            var reasons = validation.Decisions.ToList();
            stays = entry with { Reasons = reasons };
            return new EventOutcome(e.EventId, OutcomeKind.Quarantined, reasons);
        }

        State.Replayed++;
        _window.Add(idHash, contentHash, validation.Event.OccurredAt);
        return Apply(validation, new LogKey(OriginOf(e), context.Now, idHash, contentHash));
    }
}
