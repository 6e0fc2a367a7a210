using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Users;

/// <summary>
/// What a user grain does to its state, without Orleans: dedupe, validate and repair, quarantine,
/// profile. The grain adds persistence and logging around it; tests and benchmarks drive it
/// directly. Not thread-safe: one caller at a time, as a non-reentrant grain guarantees.
/// </summary>
public sealed class UserEventProcessor
{
    private readonly string _grainKey;
    private readonly EventValidator _validator;
    private readonly ValidationOptions _validation;
    private readonly QuarantineOptions _quarantine;
    private readonly ProfileBuilder _profiles;
    private readonly DedupeWindow _window;

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
        _window = DedupeWindow.Unpack(state.DedupeEntries, state.DedupeWatermark, dedupe);
    }

    /// <summary>The state this processor changes; call <see cref="SealState"/> before persisting it.</summary>
    public UserState State { get; }

    /// <summary>Whether applied events' search queries and item titles are collected in <see cref="TagRequests"/> for the tagger.</summary>
    public bool CollectTagTexts { get; init; }

    /// <summary>One entry per event applied by the last call that has a text to tag (the query of a search, else the item title).</summary>
    public List<TagRequest> TagRequests { get; } = [];

    /// <summary>Quarantine entries evicted for space by the last call (for the caller to log).</summary>
    public List<QuarantinedEvent> Evicted { get; } = [];

    /// <summary>Processes a batch in order; returns one outcome per event.</summary>
    public EventOutcome[] Ingest(IReadOnlyList<UserEvent> batch, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Evicted.Clear();
        TagRequests.Clear();
        var context = new ValidationContext(_grainKey, now, _validation);
        var outcomes = new EventOutcome[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            var idHash = EventFingerprint.OfId(e.EventId);
            var contentHash = EventFingerprint.OfContent(e);
            var duplicate = _window.Check(idHash, contentHash);
            if (duplicate != DuplicateKind.None)
            {
                outcomes[i] = CountDuplicate(e, duplicate);
                continue;
            }

            var validation = Validate(e, context);
            _window.Add(idHash, contentHash, e.OccurredAt);
            outcomes[i] = validation.IsRejected ? Quarantine(e, validation, now) : Apply(validation);
        }

        return outcomes;
    }

    /// <summary>Re-validates every quarantined event under the current rules and applies those that pass; they leave the quarantine in the same state change.</summary>
    public ReplayResult Replay(DateTime now)
    {
        var s = State;
        TagRequests.Clear();
        var context = new ValidationContext(_grainKey, now, _validation);
        var outcomes = new List<EventOutcome>(s.Quarantine.Count);
        var remaining = new List<QuarantinedEvent>(s.Quarantine.Count);
        foreach (var entry in s.Quarantine)
        {
            var e = entry.Event;
            if (_window.IsCopyOfAnother(EventFingerprint.OfId(e.EventId), EventFingerprint.OfContent(e)))
            {
                outcomes.Add(CountDuplicate(e, DuplicateKind.ByContent));
                continue;
            }

            var validation = Validate(e, context);
            if (validation.IsRejected)
            {
                var reasons = validation.Decisions.ToList();
                remaining.Add(entry with { Reasons = reasons });
                outcomes.Add(new EventOutcome(e.EventId, OutcomeKind.Quarantined, reasons));
                continue;
            }

            s.Replayed++;
            outcomes.Add(Apply(validation));
        }

        s.Quarantine = remaining;
        return new ReplayResult(outcomes, remaining.Count);
    }

    /// <summary>Writes the dedupe window into the state, ready to persist.</summary>
    public void SealState()
    {
        State.DedupeEntries = _window.Pack();
        State.DedupeWatermark = _window.LowWatermark;
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
    public UserProfile Profile(DateTime now) => _profiles.ToView(State.Profile, _grainKey, now, State.Counters());

    private ValidationResult Validate(UserEvent e, in ValidationContext context)
    {
        var validation = _validator.Validate(e, context);
        if (_window.IsBeyondWindow(e.OccurredAt))
        {
            // A copy of this event may have been forgotten already: keep it aside rather than risk counting it twice.
            var decisions = validation.Decisions;
            decisions.Reject(RuleIds.LateForDedupe, "occurredAt", "older than the events the dedupe window has already forgotten");
            validation = validation with { Decisions = decisions };
        }

        return validation;
    }

    private EventOutcome Apply(in ValidationResult validation)
    {
        _profiles.Apply(State.Profile, validation.Event, validation);
        if (CollectTagTexts)
        {
            CollectTagText(validation);
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

        return new EventOutcome(validation.Event.EventId, kind, validation.Decisions.ToList());
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

    private EventOutcome Quarantine(UserEvent e, in ValidationResult validation, DateTime now)
    {
        var s = State;
        var reasons = validation.Decisions.ToList();
        s.Quarantine.Add(new QuarantinedEvent(s.NextQuarantineSequence++, e, reasons, now));
        s.Quarantined++;
        if (s.Quarantine.Count > _quarantine.Capacity)
        {
            Evicted.Add(s.Quarantine[0]);
            s.Quarantine.RemoveAt(0);
            s.QuarantineEvicted++;
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
public sealed record TagRequest(string Text, double Weight, DateTime At, string Source);
