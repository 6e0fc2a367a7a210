using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Users;

/// <summary>Rebuilding a profile from logged events: the merge of linked ids, and the restore of each side after an unlink.</summary>
public sealed partial class UserEventProcessor
{
    /// <summary>
    /// Applies logged events to this processor's state, which must be fresh, in the given order (the order the events were
    /// applied, <see cref="LoggedEvent.Compare"/>): each through the dedupe window, judged by the hashes it was judged by when
    /// it arrived, so an event applied under two members of one person enters the profile once (counted in
    /// <see cref="UserState.MergedDuplicates"/>), then into the profile with the decisions it was applied with. Nothing is
    /// validated again and nothing is logged (the log holds these events already); tag texts are collected for the tagger.
    /// </summary>
    /// <returns>Events applied, and events dropped as seen under another member.</returns>
    public (long Applied, long Duplicates) Rebuild(IEnumerable<LoggedEvent> ordered)
    {
        ArgumentNullException.ThrowIfNull(ordered);
        if (State.Accepted + State.Repaired != 0 || _window.Count != 0)
        {
            throw new InvalidOperationException("A profile is rebuilt into a fresh state only.");
        }

        BeginCall();
        long applied = 0, duplicates = 0;
        foreach (var entry in ordered)
        {
            if (_window.ContainsId(entry.IdHash) || _window.IsCopyOfAnother(entry.IdHash, entry.ContentHash))
            {
                State.MergedDuplicates++;
                duplicates++;
                continue;
            }

            _window.Add(entry.IdHash, entry.ContentHash, entry.Event.OccurredAt);
            var decisions = new DecisionList();
            foreach (var decision in entry.Decisions)
            {
                decisions.Add(decision);
            }

            Apply(new ValidationResult(entry.Event, decisions), log: null);
            applied++;
        }

        Applied.Clear();
        return (applied, duplicates);
    }

    /// <summary>
    /// Keeps in this grain's quarantine the events of <paramref name="batch"/> that the person's canonical grain could not
    /// apply (<paramref name="outcomes"/> from its <see cref="IUserMergeGrain.IngestForAsync"/>): each becomes an entry here
    /// with the reasons it was given, or a duplicate of one this quarantine (or <paramref name="spilled"/>) holds already.
    /// Returns the outcomes as the caller sees them; the caller persists the state and spills <see cref="Spilled"/>.
    /// </summary>
    public EventOutcome[] KeepForwardedRejects(IReadOnlyList<UserEvent> batch, IReadOnlyList<EventOutcome> outcomes, DateTime now, SpilledMatches? spilled = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (outcomes.Count != batch.Count)
        {
            throw new ArgumentException($"{outcomes.Count} outcomes for a batch of {batch.Count}.", nameof(outcomes));
        }

        spilled ??= SpilledMatches.None;
        BeginCall();
        var result = new EventOutcome[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            if (outcome.Kind != OutcomeKind.Quarantined)
            {
                result[i] = outcome;
                continue;
            }

            var e = batch[i];
            var idHash = EventFingerprint.OfId(e.EventId);
            var contentHash = EventFingerprint.OfContent(e);
            var identity = QuarantineIdentity.Of(idHash, contentHash);
            if (_quarantined.Contains(identity) || _spilledThisCall.Contains(identity) || spilled.Identities.Contains(identity))
            {
                result[i] = CountDuplicate(e, idHash != 0 ? DuplicateKind.ById : DuplicateKind.ByContent);
            }
            else if (_quarantinedContent.Contains(contentHash) || _spilledContentThisCall.Contains(contentHash) || spilled.Contents.Contains(contentHash))
            {
                result[i] = CountDuplicate(e, DuplicateKind.ByContent);
            }
            else
            {
                result[i] = Quarantine(e, identity, contentHash, outcome.Decisions, now);
            }
        }

        return result;
    }

    /// <summary>The member an event of the quarantine was sent to: its user when the person has that member, else this grain's key.</summary>
    private string OriginOf(UserEvent e) =>
        e.UserId is { } user && State.Members.Count > 0 && State.Members.Contains(user, StringComparer.Ordinal) ? user : _grainKey;
}
