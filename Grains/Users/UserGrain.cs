using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Users;

/// <summary>
/// One user: dedupe, validate and repair, quarantine, live profile. Not reentrant, so one ingest
/// runs at a time and no update is lost; each call that changes state writes it once, and returns
/// only after the write. A failed write deactivates the grain so the next call starts again from
/// what is durable, and the caller's retry is then judged against that.
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    EventValidator validator,
    IOptions<ValidationOptions> validationOptions,
    IOptions<DedupeOptions> dedupeOptions,
    IOptions<ProfileOptions> profileOptions,
    IOptions<QuarantineOptions> quarantineOptions,
    TimeProvider time,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private readonly ProfileBuilder _profiles = new(profileOptions.Value);
    private DedupeWindow _window = null!;
    private bool _faulted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _window = DedupeWindow.Unpack(state.State.DedupeEntries, state.State.DedupeWatermark, dedupeOptions.Value);
        return Task.CompletedTask;
    }

    public async Task<IngestResult> IngestAsync(IReadOnlyList<UserEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfFaulted();
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is null)
            {
                throw new ArgumentException($"Event {i} of the batch is null.", nameof(batch));
            }
        }

        if (batch.Count == 0)
        {
            return new IngestResult([]);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var context = new ValidationContext(this.GetPrimaryKeyString(), now, validationOptions.Value);
        var outcomes = new EventOutcome[batch.Count];
        var s = state.State;
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i];
            var idHash = EventFingerprint.OfId(e.EventId);
            var contentHash = EventFingerprint.OfContent(e);
            var duplicate = _window.Check(idHash, contentHash);
            if (duplicate != DuplicateKind.None)
            {
                outcomes[i] = CountDuplicate(s, e, duplicate);
                continue;
            }

            var validation = Validate(e, context);
            _window.Add(idHash, contentHash, e.OccurredAt);
            outcomes[i] = validation.IsRejected ? Quarantine(s, e, validation, now) : Apply(s, validation);
        }

        s.DedupeEntries = _window.Pack();
        s.DedupeWatermark = _window.LowWatermark;
        await PersistAsync();
        return new IngestResult(outcomes);
    }

    public Task<UserProfile> GetProfileAsync()
    {
        ThrowIfFaulted();
        var now = time.GetUtcNow().UtcDateTime;
        return Task.FromResult(_profiles.ToView(state.State.Profile, this.GetPrimaryKeyString(), now, state.State.Counters()));
    }

    public Task<QuarantinePage> GetQuarantineAsync(int offset, int limit)
    {
        ThrowIfFaulted();
        var maxPage = quarantineOptions.Value.MaxPageSize;
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, maxPage);
        var all = state.State.Quarantine;
        var start = Math.Min(offset, all.Count);
        var items = all.GetRange(start, Math.Min(limit, all.Count - start));
        return Task.FromResult(new QuarantinePage(items, offset, all.Count, state.State.QuarantineEvicted));
    }

    public async Task<ReplayResult> ReplayQuarantineAsync()
    {
        ThrowIfFaulted();
        var s = state.State;
        if (s.Quarantine.Count == 0)
        {
            return new ReplayResult([], 0);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var context = new ValidationContext(this.GetPrimaryKeyString(), now, validationOptions.Value);
        var outcomes = new List<EventOutcome>(s.Quarantine.Count);
        var remaining = new List<QuarantinedEvent>(s.Quarantine.Count);
        foreach (var entry in s.Quarantine)
        {
            var e = entry.Event;
            if (_window.IsCopyOfAnother(EventFingerprint.OfId(e.EventId), EventFingerprint.OfContent(e)))
            {
                outcomes.Add(CountDuplicate(s, e, DuplicateKind.ByContent));
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
            outcomes.Add(Apply(s, validation));
        }

        var applied = s.Quarantine.Count - remaining.Count;
        s.Quarantine = remaining;
        await PersistAsync();
        LogInformationReplayed(logger, this.GetPrimaryKeyString(), applied, remaining.Count);
        return new ReplayResult(outcomes, remaining.Count);
    }

    private ValidationResult Validate(UserEvent e, in ValidationContext context)
    {
        var validation = validator.Validate(e, context);
        if (_window.IsBeyondWindow(e.OccurredAt))
        {
            // A copy of this event may have been forgotten already: keep it aside rather than risk counting it twice.
            var decisions = validation.Decisions;
            decisions.Reject(RuleIds.LateForDedupe, "occurredAt", "older than the events the dedupe window has already forgotten");
            validation = validation with { Decisions = decisions };
        }

        return validation;
    }

    private EventOutcome Apply(UserState s, in ValidationResult validation)
    {
        _profiles.Apply(s.Profile, validation.Event, validation);
        var kind = validation.Kind;
        if (kind == OutcomeKind.Repaired)
        {
            s.Repaired++;
        }
        else
        {
            s.Accepted++;
        }

        return new EventOutcome(validation.Event.EventId, kind, validation.Decisions.ToList());
    }

    private EventOutcome Quarantine(UserState s, UserEvent e, in ValidationResult validation, DateTime now)
    {
        var reasons = validation.Decisions.ToList();
        s.Quarantine.Add(new QuarantinedEvent(s.NextQuarantineSequence++, e, reasons, now));
        s.Quarantined++;
        if (s.Quarantine.Count > quarantineOptions.Value.Capacity)
        {
            var evicted = s.Quarantine[0];
            s.Quarantine.RemoveAt(0);
            s.QuarantineEvicted++;
            LogWarningQuarantineEvicted(logger, this.GetPrimaryKeyString(), evicted.Event.EventId, evicted.Sequence, s.QuarantineEvicted);
        }

        return new EventOutcome(e.EventId, OutcomeKind.Quarantined, reasons);
    }

    private static EventOutcome CountDuplicate(UserState s, UserEvent e, DuplicateKind duplicate)
    {
        if (duplicate == DuplicateKind.ById)
        {
            s.DuplicatesById++;
            return new EventOutcome(e.EventId, OutcomeKind.DuplicateById, EventOutcome.NoDecisions);
        }

        s.DuplicatesByContent++;
        return new EventOutcome(e.EventId, OutcomeKind.DuplicateByContent, EventOutcome.NoDecisions);
    }

    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // The in-memory state is ahead of storage now; serve nothing more from it.
            _faulted = true;
            LogErrorPersistFailed(logger, ex, this.GetPrimaryKeyString());
            this.DeactivateOnIdle();
            throw;
        }
    }

    private void ThrowIfFaulted()
    {
        if (_faulted)
        {
            throw new InvalidOperationException($"User grain '{this.GetPrimaryKeyString()}' failed to persist and is reloading; retry the call.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantine of {UserId} is full: evicted event {EventId} (sequence {Sequence}); {Evicted} evicted so far")]
    private static partial void LogWarningQuarantineEvicted(ILogger logger, string userId, string eventId, long sequence, long evicted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the state of user {UserId} failed; the grain deactivates and reloads")]
    private static partial void LogErrorPersistFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantine replay of {UserId}: {Applied} applied or removed as duplicates, {Remaining} still quarantined")]
    private static partial void LogInformationReplayed(ILogger logger, string userId, int applied, int remaining);
}
