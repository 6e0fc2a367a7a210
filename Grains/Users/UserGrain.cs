using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Quality;
using Esrs.Tagging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Users;

/// <summary>
/// One user: dedupe, validate and repair, quarantine, live profile (the work is done by
/// <see cref="UserEventProcessor"/>). Not reentrant, so one ingest runs at a time and no update is
/// lost; each call that changes state writes it once and returns only after the write. A failed
/// write deactivates the grain so the next call starts again from what is durable, and the
/// caller's retry is then judged against that.
/// <para>
/// Search queries and item titles of applied events go to the tagger pool after the write, without holding up the ingest;
/// the tags that come back are applied in the grain's next turn (ingest, profile read, or a flush timer) and persisted.
/// When the tagger is slow or down the events are counted untagged instead.
/// </para>
/// </summary>
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    EventValidator validator,
    IOptions<ValidationOptions> validationOptions,
    IOptions<DedupeOptions> dedupeOptions,
    IOptions<ProfileOptions> profileOptions,
    IOptions<QuarantineOptions> quarantineOptions,
    IOptions<TaggerOptions> taggerOptions,
    QualityCollector quality,
    TaggerClient tagger,
    TimeProvider time,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private readonly List<ArrivedTags> _arrived = [];
    private readonly List<Task> _tagging = [];
    private UserEventProcessor _processor = null!;
    private IGrainTimer? _flushTimer;
    private bool _faulted;
    private bool _dirty;

    private string Key => this.GetPrimaryKeyString();

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _processor = new UserEventProcessor(
            Key, state.State, validator, validationOptions.Value, dedupeOptions.Value, profileOptions.Value, quarantineOptions.Value)
        {
            CollectTagTexts = taggerOptions.Value.Enabled,
        };
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Give tag requests still out a moment, then keep what arrived.
        if (!_faulted && _tagging.Count > 0)
        {
            try
            {
                await Task.WhenAll(_tagging).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
            }
        }

        if (!_faulted && (ApplyArrivedTags() || _dirty))
        {
            await PersistAsync();
        }
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
        ApplyArrivedTags();
        await PersistAsync();
        quality.Record(Key, batch, outcomes);
        StartTagging();
        return new IngestResult(outcomes);
    }

    public Task<UserProfile> GetProfileAsync()
    {
        ThrowIfFaulted();
        _dirty |= ApplyArrivedTags();
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
        ApplyArrivedTags();
        await PersistAsync();
        StartTagging();
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
            _dirty = false;
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

    /// <summary>Sends the texts of the events just made durable to a tagger pool member; the ingest does not wait for it.</summary>
    private void StartTagging()
    {
        if (_processor.TagRequests.Count == 0)
        {
            return;
        }

        var requests = _processor.TagRequests.ToArray();
        var task = TagAsync(requests);
        _tagging.Add(task);
        _ = task.ContinueWith(t => _tagging.Remove(t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Current);
        _flushTimer ??= this.RegisterGrainTimer(FlushTagsAsync, new GrainTimerCreationOptions(taggerOptions.Value.FlushInterval, taggerOptions.Value.FlushInterval) { Interleave = false });
    }

    private async Task TagAsync(TagRequest[] requests)
    {
        var texts = requests.Select(r => r.Text).Distinct(StringComparer.Ordinal).ToArray();
        TagBatchResult? result = null;
        try
        {
            result = await tagger.TagAsync(texts);
        }
        catch (Exception ex)
        {
            LogDebugUntagged(logger, ex, Key, requests.Length);
        }

        if (result is null)
        {
            TaggingMetrics.UntaggedEvents.Add(requests.Length);
        }

        // Runs on this activation's scheduler: applied in the next turn, never in the middle of one.
        _arrived.Add(new ArrivedTags(requests, texts, result));
    }

    /// <summary>Applies the tag results that came back since the last turn; true when the state changed.</summary>
    private bool ApplyArrivedTags()
    {
        if (_arrived.Count == 0)
        {
            return false;
        }

        foreach (var arrived in _arrived)
        {
            _processor.ApplyTags(arrived.Requests, arrived.Texts, arrived.Result, taggerOptions.Value.MinScore);
            foreach (var bySource in arrived.Requests.GroupBy(r => r.Source, StringComparer.Ordinal))
            {
                var count = bySource.Count();
                var labels = arrived.Result is null ? [] : bySource.SelectMany(r => TagsOf(arrived, r.Text)).Select(t => t.Label);
                quality.RecordTagging(Key, bySource.Key, arrived.Result is null ? 0 : count, arrived.Result is null ? count : 0, labels);
            }
        }

        _arrived.Clear();
        return true;
    }

    private static IEnumerable<AttributeTag> TagsOf(ArrivedTags arrived, string text)
    {
        var index = Array.IndexOf(arrived.Texts, text);
        return index < 0 || arrived.Result is null ? [] : arrived.Result.Tags[index];
    }

    private async Task FlushTagsAsync(CancellationToken cancellationToken)
    {
        if (_faulted)
        {
            return;
        }

        if (ApplyArrivedTags() || _dirty)
        {
            await PersistAsync();
        }

        if (_tagging.Count == 0 && _arrived.Count == 0)
        {
            _flushTimer?.Dispose();
            _flushTimer = null;
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tagging {Events} events of {UserId} failed; counted untagged")]
    private static partial void LogDebugUntagged(ILogger logger, Exception exception, string userId, int events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantine replay of {UserId}: {Applied} applied or removed as duplicates, {Remaining} still quarantined")]
    private static partial void LogInformationReplayed(ILogger logger, string userId, int applied, int remaining);

    private sealed record ArrivedTags(TagRequest[] Requests, string[] Texts, TagBatchResult? Result);
}
