using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Users;

/// <summary>
/// What a user grain does to its state, without Orleans: dedupe, validate and repair, quarantine, profile. The grain
/// adds persistence, the spill store and logging around it; tests and benchmarks drive it directly. Not thread-safe:
/// one caller at a time, as a non-reentrant grain guarantees.
/// <para>
/// Every event gets exactly one effect or is a duplicate of one that has it: an accepted event enters the profile and
/// the dedupe window; a rejected event enters the quarantine, and neither its content nor its time enters the window,
/// so it cannot block a corrected re-send or move the window. The quarantine recognises its own: a redelivery (same id)
/// is a duplicate, and so is a copy under a new id that is rejected again (same content), while a re-send that now
/// passes is applied.
/// </para>
/// </summary>
public sealed partial class UserEventProcessor
{
    private readonly string _grainKey;
    private readonly EventValidator _validator;
    private readonly ValidationOptions _validation;
    private readonly QuarantineOptions _quarantine;
    private readonly ProfileBuilder _profiles;
    private readonly DedupeWindow _window;
    private readonly HashSet<ulong> _quarantined = [];
    private readonly HashSet<ulong> _quarantinedContent = [];
    private readonly HashSet<ulong> _spilledThisCall = [];
    private readonly HashSet<ulong> _spilledContentThisCall = [];
    private long _quarantineBytes;

    public UserEventProcessor(
        string grainKey,
        UserState state,
        EventValidator validator,
        ValidationOptions validation,
        DedupeOptions dedupe,
        ProfileOptions profiles,
        QuarantineOptions quarantine)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(dedupe);
        _grainKey = grainKey;
        State = state;
        _validator = validator;
        _validation = validation;
        _quarantine = quarantine;
        _profiles = new ProfileBuilder(profiles);
        _window = DedupeWindow.Unpack(state.DedupeEntries, state.DedupeWatermark, state.DedupeRecentlyForgotten, dedupe);
        foreach (var entry in state.Quarantine)
        {
            _quarantined.Add(QuarantineIdentity.Of(entry.Event));
            _quarantinedContent.Add(EventFingerprint.OfContent(entry.Event));
            _quarantineBytes += QuarantineIdentity.EstimateBytes(entry);
        }
    }

    /// <summary>The state this processor changes; call <see cref="SealState"/> before persisting it.</summary>
    public UserState State { get; }

    /// <summary>The dedupe window (read-only use: tests and diagnostics).</summary>
    public DedupeWindow Window => _window;

    /// <summary>Whether applied events' search queries and item titles are collected in <see cref="TagRequests"/> for the tagger.</summary>
    public bool CollectTagTexts { get; init; }

    /// <summary>One entry per event applied by the last call that has a text to tag (the query of a search, else the item title).</summary>
    public List<TagRequest> TagRequests { get; } = [];

    /// <summary>Whether the events the last call applied are kept in <see cref="Applied"/>, as repaired (for the recommender).</summary>
    public bool CollectApplied { get; init; }

    /// <summary>The events the last call applied to the profile, after repair, in order, with whether they name a product.</summary>
    public List<AppliedEvent> Applied { get; } = [];

    /// <summary>
    /// The events the last call applied, for the caller to append to the user event log (<see cref="IUserEventLog"/>)
    /// before it persists the state.
    /// </summary>
    public List<LoggedEvent> Logged { get; } = [];

    /// <summary>
    /// Quarantine entries the last call moved out of the state for space. The caller must store them durably
    /// (<see cref="IQuarantineSpillStore"/>) before it persists the state.
    /// </summary>
    public List<QuarantinedEvent> Spilled { get; } = [];

    /// <summary>
    /// Processes a batch in order; returns one outcome per event. <paramref name="spilled"/> says which of this batch's
    /// identities (<see cref="QuarantineIdentity"/>) and content hashes the spill store already holds; <paramref name="catalogue"/>
    /// holds the catalogue items of the batch's item ids (null: events are not enriched).
    /// </summary>
    /// <remarks><paramref name="origin"/>: the user id the events were sent to, when another member's grain forwarded
    /// them here (<see cref="IUserMergeGrain.IngestForAsync"/>); they are validated and logged as that user's.</remarks>
    public EventOutcome[] Ingest(IReadOnlyList<UserEvent> batch, DateTime now, SpilledMatches? spilled = null, ICatalogueLookup? catalogue = null, string? origin = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        spilled ??= SpilledMatches.None;
        origin ??= _grainKey;
        BeginCall();
        var context = new ValidationContext(origin, now, _validation, catalogue);
        var outcomes = new EventOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            var idHash = EventFingerprint.OfId(e.EventId);
            var contentHash = EventFingerprint.OfContent(e);
            var identity = QuarantineIdentity.Of(idHash, contentHash);
            if (_window.ContainsId(idHash))
            {
                outcomes[i] = CountDuplicate(e, DuplicateKind.ById);
                continue;
            }

            if (_quarantined.Contains(identity) || _spilledThisCall.Contains(identity) || spilled.Identities.Contains(identity))
            {
                // A re-send of an event the quarantine holds: its one effect is already there.
                outcomes[i] = CountDuplicate(e, idHash != 0 ? DuplicateKind.ById : DuplicateKind.ByContent);
                continue;
            }

            if (_window.IsCopyOfAnother(idHash, contentHash))
            {
                outcomes[i] = CountDuplicate(e, DuplicateKind.ByContent);
                continue;
            }

            var validation = Validate(e, context);
            if (validation.IsRejected && !string.Equals(origin, _grainKey, StringComparison.Ordinal))
            {
                // Forwarded by another member of the person: its own grain keeps what it was sent and could not be applied
                // (KeepForwardedRejects), so the entry stays with that id through an unlink or its erasure.
                outcomes[i] = new EventOutcome(e.EventId, OutcomeKind.Quarantined, validation.Decisions.ToList());
                continue;
            }

            if (validation.IsRejected)
            {
                // Rejected again, with the content of an event the quarantine holds: a copy of it, not a second entry.
                outcomes[i] = _quarantinedContent.Contains(contentHash) || _spilledContentThisCall.Contains(contentHash) || spilled.Contents.Contains(contentHash)
                    ? CountDuplicate(e, DuplicateKind.ByContent)
                    : Quarantine(e, identity, contentHash, validation, now);
                continue;
            }

            _window.Add(idHash, contentHash, validation.Event.OccurredAt);
            outcomes[i] = Apply(validation, new LogKey(origin, now, idHash, contentHash));
        }

        return outcomes;
    }

    /// <summary>Forgets what the previous call left for its caller (spilled entries, tag texts, applied and logged events).</summary>
    private void BeginCall()
    {
        Spilled.Clear();
        _spilledThisCall.Clear();
        _spilledContentThisCall.Clear();
        TagRequests.Clear();
        Applied.Clear();
        Logged.Clear();
    }

    // Adds kept beyond the window's own size before a storage would rather write the window whole (20 bytes an add).
    private const int DedupeAddsSlack = 64 * 1024;

    /// <summary>Writes the dedupe window into the state, ready to persist.</summary>
    public void SealState()
    {
        State.DedupeEntries = _window.Pack();
        State.DedupeAdds.Append(_window.TakeAdds(), State.DedupeEntries.Length + DedupeAddsSlack);
        State.DedupeWatermark = _window.LowWatermark;
        if (State.DedupeRecentlyForgotten.Count != 0 || _window.RecentlyForgotten.Count != 0)
        {
            State.DedupeRecentlyForgotten = [.. _window.RecentlyForgotten];
        }
    }

    /// <summary>
    /// Applies what the tagger returned for earlier <see cref="TagRequests"/> (<paramref name="result"/> null: the tagger failed,
    /// and the events are counted untagged). Tags below <paramref name="minScore"/> are left out.
    /// </summary>
    public void ApplyTags(IReadOnlyList<TagRequest> requests, string[] texts, Tagging.TagBatchResult? result, double minScore)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(texts);
        if (result is null || result.Tags.Length != texts.Length)
        {
            State.UntaggedEvents += requests.Count;
            return;
        }

        var byText = new Dictionary<string, Tagging.AttributeTag[]>(texts.Length, StringComparer.Ordinal);
        for (var i = 0; i < texts.Length; i++)
        {
            byText[texts[i]] = result.Tags[i];
        }

        foreach (var request in requests)
        {
            var tags = byText[request.Text].Where(t => t.Score >= minScore).ToList();
            _profiles.ApplyTags(State.Profile, tags, request.Weight, request.At, new Provenance(request.Source, RuleIds.ProfileFromTagger, request.At, result.ModelVersion));
        }

        State.TaggedEvents += requests.Count;
    }

    /// <summary>The profile as the frontend reads it.</summary>
    public UserProfile Profile(DateTime now)
    {
        var view = _profiles.ToView(State.Profile, _grainKey, now, State.Counters());
        return State.Members.Count > 1 ? view with { MergedIds = [.. State.Members] } : view;
    }

    /// <summary>The profile with, per field, how it is derived and every claim (<c>?explain=true</c>).</summary>
    public UserProfile ExplainedProfile(DateTime now) => Profile(now) with { Explain = _profiles.Explain(State.Profile) };

    /// <summary>
    /// What the user declared in the user registry: gender and birth year as claims of trust
    /// <see cref="ProfileOptions.RegistryTrust"/> from <paramref name="source"/>. True when the profile changed.
    /// </summary>
    public bool Declare(string? gender, int? birthYear, string source, DateTime at, int trust)
    {
        var changed = false;
        if (gender is not null)
        {
            changed |= _profiles.Claim(State.Profile, ProfileFields.Gender, new FieldClaim(gender, source, trust, at, RuleIds.ProfileFromRegistry));
        }

        if (birthYear is { } year)
        {
            changed |= _profiles.Claim(State.Profile, ProfileFields.Age, new FieldClaim(year.ToString(System.Globalization.CultureInfo.InvariantCulture), source, trust, at, RuleIds.ProfileFromRegistry));
        }

        return changed;
    }

    private ValidationResult Validate(UserEvent e, in ValidationContext context)
    {
        var validation = _validator.Validate(e, context);
        if (_window.IsBeyondWindow(validation.Event.OccurredAt))
        {
            // A copy of this event may have been forgotten already: keep it aside rather than risk counting it twice.
            var decisions = validation.Decisions;
            decisions.Reject(RuleIds.LateForDedupe, "occurredAt", "older than the events the dedupe window has already forgotten");
            validation = validation with { Decisions = decisions };
        }

        return validation;
    }

    /// <summary>
    /// Applies a validated event to the profile; logs it under <paramref name="log"/> (null: a rebuild, which replays what
    /// the log already holds).
    /// </summary>
    private EventOutcome Apply(in ValidationResult validation, LogKey? log)
    {
        _profiles.Apply(State.Profile, validation.Event, validation);
        var decisions = validation.Decisions.ToList();
        if (log is { } key)
        {
            Logged.Add(new LoggedEvent(key.Origin, State.LogSequence++, key.At, validation.Event, decisions, key.IdHash, key.ContentHash));
        }

        if (CollectTagTexts)
        {
            CollectTagText(validation);
        }

        if (CollectApplied)
        {
            Applied.Add(new AppliedEvent(validation.Event, !validation.Has(RuleIds.NonProductItem)));
        }

        var kind = validation.Kind;
        if (kind == OutcomeKind.Repaired)
        {
            State.Repaired++;
        }
        else
        {
            State.Accepted++;
        }

        return new EventOutcome(validation.Event.EventId, kind, decisions);
    }

    private void CollectTagText(in ValidationResult validation)
    {
        var e = validation.Event;
        if (e.Type == EventType.Search && e.Query is { Length: > 0 } query)
        {
            TagRequests.Add(new TagRequest(query, 1, e.OccurredAt, e.Source));
        }
        else if (e.ItemTitle is { Length: > 0 } title && ProfileBuilder.InterestWeight(e.Type, e.Rating) is var weight and not 0 && !validation.Has(RuleIds.NonProductItem))
        {
            TagRequests.Add(new TagRequest(title, weight, e.OccurredAt, e.Source));
        }
    }

    private EventOutcome Quarantine(UserEvent e, ulong identity, ulong contentHash, in ValidationResult validation, DateTime now) =>
        Quarantine(e, identity, contentHash, validation.Decisions.ToList(), now);

    private EventOutcome Quarantine(UserEvent e, ulong identity, ulong contentHash, IReadOnlyList<RuleDecision> reasons, DateTime now)
    {
        var s = State;
        var entry = new QuarantinedEvent(s.NextQuarantineSequence++, e, reasons, now);
        s.Quarantine.Add(entry);
        s.Quarantined++;
        _quarantined.Add(identity);
        _quarantinedContent.Add(contentHash);
        _quarantineBytes += QuarantineIdentity.EstimateBytes(entry);
        while (s.Quarantine.Count > 0 && (s.Quarantine.Count > _quarantine.Capacity || _quarantineBytes > _quarantine.MaxBytes))
        {
            // The oldest leave the state for the spill store: kept, listed and replayable, not lost.
            var oldest = s.Quarantine[0];
            s.Quarantine.RemoveAt(0);
            var oldestIdentity = QuarantineIdentity.Of(oldest.Event);
            var oldestContent = EventFingerprint.OfContent(oldest.Event);
            _quarantined.Remove(oldestIdentity);
            _quarantinedContent.Remove(oldestContent);
            _spilledThisCall.Add(oldestIdentity);
            _spilledContentThisCall.Add(oldestContent);
            _quarantineBytes -= QuarantineIdentity.EstimateBytes(oldest);
            Spilled.Add(oldest);
            s.SpilledThrough = Math.Max(s.SpilledThrough, oldest.Sequence);
            s.QuarantineSpilled++;
        }

        return new EventOutcome(e.EventId, OutcomeKind.Quarantined, reasons);
    }

    private EventOutcome CountDuplicate(UserEvent e, DuplicateKind duplicate)
    {
        if (duplicate == DuplicateKind.ById)
        {
            State.DuplicatesById++;
            return new EventOutcome(e.EventId, OutcomeKind.DuplicateById, EventOutcome.NoDecisions);
        }

        State.DuplicatesByContent++;
        return new EventOutcome(e.EventId, OutcomeKind.DuplicateByContent, EventOutcome.NoDecisions);
    }
}

/// <summary>A text of an applied event for the tagger, with the weight and time its tags enter the profile at.</summary>
/// <summary>An event as the profile received it (repaired), and whether its item is a product rather than a fee or postage.</summary>
public readonly record struct AppliedEvent(UserEvent Event, bool IsProduct);

public sealed record TagRequest(string Text, double Weight, DateTime At, string Source);

/// <summary>Under which origin, at what time and with which hashes (of the event as sent) an applied event is logged.</summary>
internal readonly record struct LogKey(string Origin, DateTime At, ulong IdHash, ulong ContentHash);
