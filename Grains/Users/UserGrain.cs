using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Users;

/// <summary>
/// One user: dedupe, validate and repair, quarantine, live profile (the work is done by
/// <see cref="UserEventProcessor"/>). Not reentrant, so one ingest runs at a time and no update is
/// lost; each call that changes state writes it once and returns only after the write. A failed
/// write deactivates the grain so the next call starts again from what is durable, and the
/// caller's retry is then judged against that.
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
    private UserEventProcessor _processor = null!;
    private bool _faulted;

    private string Key => this.GetPrimaryKeyString();

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _processor = new UserEventProcessor(
            Key, state.State, validator, validationOptions.Value, dedupeOptions.Value, profileOptions.Value, quarantineOptions.Value);
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

        var outcomes = _processor.Ingest(batch, Now);
        await PersistAsync();
        return new IngestResult(outcomes);
    }

    public Task<UserProfile> GetProfileAsync()
    {
        ThrowIfFaulted();
        return Task.FromResult(_processor.Profile(Now));
    }

    public Task<QuarantinePage> GetQuarantineAsync(int offset, int limit)
    {
        ThrowIfFaulted();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, quarantineOptions.Value.MaxPageSize);
        var all = state.State.Quarantine;
        var start = Math.Min(offset, all.Count);
        var items = all.GetRange(start, Math.Min(limit, all.Count - start));
        return Task.FromResult(new QuarantinePage(items, offset, all.Count, state.State.QuarantineEvicted));
    }

    public async Task<ReplayResult> ReplayQuarantineAsync()
    {
        ThrowIfFaulted();
        if (state.State.Quarantine.Count == 0)
        {
            return new ReplayResult([], 0);
        }

        var result = _processor.Replay(Now);
        await PersistAsync();
        LogInformationReplayed(logger, Key, result.Outcomes.Count - result.StillQuarantined, result.StillQuarantined);
        return result;
    }

    private async Task PersistAsync()
    {
        _processor.SealState();
        foreach (var evicted in _processor.Evicted)
        {
            LogWarningQuarantineEvicted(logger, Key, evicted.Event.EventId, evicted.Sequence, state.State.QuarantineEvicted);
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex)
        {
            // The in-memory state is ahead of storage now; serve nothing more from it.
            _faulted = true;
            LogErrorPersistFailed(logger, ex, Key);
            this.DeactivateOnIdle();
            throw new StateUnavailableException($"State of user '{Key}' could not be written ({ex.GetType().Name}); nothing of the call took effect, retry it.");
        }
    }

    private void ThrowIfFaulted()
    {
        if (_faulted)
        {
            throw new StateUnavailableException($"User grain '{Key}' failed to persist and is reloading; retry the call.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quarantine of {UserId} is full: evicted event {EventId} (sequence {Sequence}); {Evicted} evicted so far")]
    private static partial void LogWarningQuarantineEvicted(ILogger logger, string userId, string eventId, long sequence, long evicted);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the state of user {UserId} failed; the grain deactivates and reloads")]
    private static partial void LogErrorPersistFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantine replay of {UserId}: {Applied} applied or removed as duplicates, {Remaining} still quarantined")]
    private static partial void LogInformationReplayed(ILogger logger, string userId, int applied, int remaining);
}
