using System.Text.Json;
using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;
using Esrs.Quality;
using Esrs.Recommending;
using Esrs.Tagging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Esrs.Users;

/// <summary>
/// One user: dedupe, validate and repair, quarantine, live profile (the work is done by
/// <see cref="UserEventProcessor"/>). Not reentrant, so one ingest runs at a time and no update is
/// lost; each call that changes state writes it once and returns only after the write. A failed
/// write deactivates the grain so the next call starts again from what is durable, and the
/// caller's retry is then judged against that. Once the write is done nothing can fail the call:
/// monitors and tagging run after it, and their failures are logged and counted, not thrown.
/// <para>
/// The grain's key is the exact user id (or an unattributed grain's key); a key no user can have is refused
/// before anything is read or written (<see cref="UserIds"/>).
/// </para>
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
    IOptions<RankOptions> rankOptions,
    IOptions<RecommendOptions> recommendOptions,
    IQuarantineSpillStore spillStore,
    IUserEventLog eventLog,
    IUserDataEraser eraser,
    QualityCollector quality,
    RecommendationFeed feed,
    ItemGraphCache graph,
    Catalogue.CatalogueCache catalogue,
    TaggerClient tagger,
    TimeProvider time,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IUserMergeGrain
{
    /// <summary>Source of events that arrive without one from a caller that set no default.</summary>
    public const string UnknownSource = "unknown";

    private readonly List<ArrivedTags> _arrived = [];
    private readonly List<Task> _tagging = [];
    private UserEventProcessor _processor = null!;
    private IGrainTimer? _flushTimer;
    private string? _keyProblem;
    private bool _faulted;
    private bool _dirty;

    private string Key => this.GetPrimaryKeyString();

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _keyProblem = UserIds.KeyProblem(Key);
        if (!state.RecordExists || state.State.Accepted + state.State.Repaired == 0)
        {
            // Nothing applied before the event log: the log will hold every event of this profile (persisted with the next write).
            state.State.LogComplete = true;
        }

        state.State.LogWriter ??= Guid.NewGuid().ToString("N");

        _processor = NewProcessor(state.State);
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

        if (!_faulted && _keyProblem is null && (ApplyArrivedTags() || _dirty))
        {
            await PersistAsync();
        }
    }

    public Task<IngestResult> IngestAsync(IReadOnlyList<UserEvent> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        if (state.State.ForwardTo is { } canonical)
        {
            // Linked into another id's person: that grain keeps the profile (the events stay this id's, and are logged so).
            return ForwardAsync(canonical, batch);
        }

        return IngestCoreAsync(batch, Key);
    }

    /// <summary>
    /// Ingest through the person's canonical grain; what it could not apply is kept here, in this id's own quarantine (an
    /// unlink or an erasure of this id then finds it here).
    /// </summary>
    private async Task<IngestResult> ForwardAsync(string canonical, IReadOnlyList<UserEvent> batch)
    {
        var result = await GrainFactory.Reference<IUserMergeGrain>(canonical).IngestForAsync(Key, batch, 1);
        if (!result.Outcomes.Any(o => o.Kind == OutcomeKind.Quarantined))
        {
            return result;
        }

        var normal = batch.Select(e => UserEventWire.Normalise(e, UnknownSource)).ToList();
        await CleanUpSpillAsync();
        var spilled = await SpilledMatchesAsync(normal);
        var outcomes = _processor.KeepForwardedRejects(normal, result.Outcomes, Now, spilled);
        await PersistAsync();
        return new IngestResult(outcomes);
    }

    private async Task<IngestResult> IngestCoreAsync(IReadOnlyList<UserEvent> batch, string origin)
    {
        if (batch.Count == 0)
        {
            return new IngestResult([]);
        }

        // Callers of every kind (gateway, Redis consumer, Orleans clients) get the same defaults: nothing downstream meets a
        // null. The gateway and the consumer normalised already, so the batch is copied only when an event changes here.
        UserEvent[]? events = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var e = batch[i] ?? throw new ArgumentException($"Event {i} of the batch is null.", nameof(batch));
            var normal = UserEventWire.Normalise(e, UnknownSource);
            if (!ReferenceEquals(normal, e))
            {
                events ??= [.. batch];
                events[i] = normal;
            }
        }

        batch = events ?? batch;

        await CleanUpSpillAsync();
        var spilled = await SpilledMatchesAsync(batch);
        // The catalogue items of the batch's item ids: from this silo's cache, else one call per shard for the batch.
        var items = await catalogue.LookupAsync(batch);
        // The recent items before this call: the feed pairs each purchase and cart with them (a copy only when it is on).
        IReadOnlyList<string> recentBefore = feed.Enabled ? [.. state.State.Profile.RecentItems.Take(recommendOptions.Value.PairWindow)] : [];
        var outcomes = _processor.Ingest(batch, Now, spilled, items, origin);
        _recommended = null;
        ApplyArrivedTags();
        await PersistAsync();
        AfterWrite(() => quality.Record(origin, batch, outcomes), "quality");
        AfterWrite(() => feed.Record(recentBefore, _processor.Applied), "recommend");
        AfterWrite(StartTagging, "tagging");
        return new IngestResult(outcomes);
    }

    public Task<UserProfile> GetProfileAsync()
    {
        ThrowIfUnusable();
        if (Canonical is { } canonical)
        {
            return canonical.GetProfileAsync();
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(_processor.Profile(Now));
    }

    public async Task<Utf8Json> GetProfileJsonAsync(bool explain)
    {
        ThrowIfUnusable();
        if (Canonical is { } canonical)
        {
            return await canonical.GetProfileJsonAsync(explain);
        }

        var profile = explain ? await ExplainProfileAsync() : await GetProfileAsync();
        return new Utf8Json(JsonSerializer.SerializeToUtf8Bytes(profile, WireJson.Options));
    }

    public async Task<QuarantinePage> GetQuarantineAsync(int offset, int limit)
    {
        ThrowIfUnusable();
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, quarantineOptions.Value.MaxPageSize);
        await CleanUpSpillAsync();
        var through = state.State.SpilledThrough;
        var spilled = through >= 0 ? await spillStore.CountAsync(Key, through) : 0;
        var items = new List<QuarantinedEvent>(limit);
        if (offset < spilled)
        {
            items.AddRange(await spillStore.ReadAsync(Key, through, offset, (int)Math.Min(limit, spilled - offset)));
        }

        var inState = state.State.Quarantine;
        var start = (int)Math.Min(Math.Max(0, offset - spilled), inState.Count);
        items.AddRange(inState.GetRange(start, Math.Min(limit - items.Count, inState.Count - start)));
        return new QuarantinePage(items, offset, spilled + inState.Count, spilled);
    }

    public async Task<ReplayResult> ReplayQuarantineAsync()
    {
        ThrowIfUnusable();
        _recommended = null;
        await CleanUpSpillAsync();
        var through = state.State.SpilledThrough;
        IReadOnlyList<QuarantinedEvent> spilled = [];
        long notReplayed = 0;
        if (through >= 0)
        {
            var max = quarantineOptions.Value.MaxReplaySpilled;
            var count = await spillStore.CountAsync(Key, through);
            spilled = count == 0 ? [] : await spillStore.ReadAsync(Key, through, 0, max);
            notReplayed = Math.Max(0, count - spilled.Count);
        }

        if (state.State.Quarantine.Count == 0 && spilled.Count == 0)
        {
            return new ReplayResult([], notReplayed, notReplayed);
        }

        var items = await catalogue.LookupAsync(state.State.Quarantine.Select(q => q.Event).Concat(spilled.Select(q => q.Event)));
        var result = _processor.Replay(Now, spilled, notReplayed, items);
        ApplyArrivedTags();
        await PersistAsync();
        try
        {
            await CleanUpSpillAsync();
        }
        catch (StateUnavailableException ex)
        {
            // The state is durable and names the rows; the next call deletes them before it reads the store.
            LogWarningSpillCleanupFailed(logger, ex, Key, state.State.ResolvedSpilled.Count);
        }

        AfterWrite(StartTagging, "tagging");
        if (state.State.ForwardTo is { } canonical && result.Outcomes.Any(o => o.Kind is OutcomeKind.Accepted or OutcomeKind.Repaired))
        {
            // Applied here and logged under this id: the person's profile takes them in (an unlink would restore them here).
            await GrainFactory.Reference<IUserMergeGrain>(canonical).RefreshAsync();
        }

        LogInformationReplayed(logger, Key, result.Outcomes.Count - result.Outcomes.Count(o => o.Kind == OutcomeKind.Quarantined), result.StillQuarantined);
        return result;
    }

    /// <summary>Deletes the spilled rows a replay resolved (the durable state lists them), so no read of the store sees them.</summary>
    private async Task CleanUpSpillAsync()
    {
        var resolved = state.State.ResolvedSpilled;
        if (resolved.Count == 0)
        {
            return;
        }

        try
        {
            await spillStore.DeleteAsync(Key, resolved);
        }
        catch (Exception ex)
        {
            throw new StateUnavailableException($"The quarantine spill store of user '{Key}' could not be cleaned up ({ex.GetType().Name}); nothing of the call took effect, retry it.", ex);
        }

        // Written with the next state write; until then a restart deletes the same rows again, which is harmless.
        resolved.Clear();
        _dirty = true;
    }

    /// <summary>What the spill store holds of the batch's events (identities and contents), when this user has spilled anything.</summary>
    private async Task<SpilledMatches?> SpilledMatchesAsync(IReadOnlyList<UserEvent> batch)
    {
        var through = state.State.SpilledThrough;
        if (through < 0)
        {
            return null;
        }

        var identities = new HashSet<ulong>(batch.Count);
        var contents = new HashSet<ulong>(batch.Count);
        foreach (var e in batch)
        {
            var content = EventFingerprint.OfContent(e);
            identities.Add(QuarantineIdentity.Of(EventFingerprint.OfId(e.EventId), content));
            contents.Add(content);
        }

        try
        {
            return await spillStore.FindAsync(Key, through, identities, contents);
        }
        catch (Exception ex)
        {
            throw new StateUnavailableException($"The quarantine spill store of user '{Key}' could not be read ({ex.GetType().Name}); nothing of the call took effect, retry it.", ex);
        }
    }

    private async Task PersistAsync()
    {
        _processor.SealState();
        try
        {
            // The log holds every event the state does: written with the state in one transaction where the storage can,
            // else appended first (a retry after a failed state write reuses the sequences, and replaces what it left).
            if (eventLog.AppendsWithState)
            {
                state.State.PendingLog = _processor.Logged;
            }
            else if (_processor.Logged.Count > 0)
            {
                await eventLog.AppendAsync(state.State.LogWriter!, _processor.Logged);
            }

            if (_processor.Spilled.Count > 0)
            {
                // Spilled entries are durable before the state that no longer holds them.
                await spillStore.SpillAsync(Key, _processor.Spilled);
                UserMetrics.QuarantineSpilled.Add(_processor.Spilled.Count);
                LogDebugSpilled(logger, Key, _processor.Spilled.Count, state.State.QuarantineSpilled);
            }

            await state.WriteStateAsync();
            state.State.PendingLog = null;
            _processor.Spilled.Clear();
            _processor.Logged.Clear();
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

    /// <summary>Runs work that follows a durable write: its failure is logged and counted, never thrown to the caller.</summary>
    private void AfterWrite(Action work, string what)
    {
        try
        {
            work();
        }
        catch (Exception ex)
        {
            UserMetrics.AfterWriteFailures.Add(1, new KeyValuePair<string, object?>("stage", what));
            LogErrorAfterWrite(logger, ex, what, Key);
        }
    }

    private void ThrowIfUnusable()
    {
        if (_keyProblem is not null)
        {
            // Refused before anything is written: storage could not hold this key as written.
            throw new ArgumentException($"'{Truncate(Key)}' is not a user id ({RuleIds.UserInvalid}): {_keyProblem}.");
        }

        if (_faulted)
        {
            throw new StateUnavailableException($"User grain '{Key}' failed to persist and is reloading; retry the call.");
        }
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "…");

    [LoggerMessage(Level = LogLevel.Debug, Message = "Quarantine of {UserId} spilled {Count} entries to the spill store; {Spilled} so far")]
    private static partial void LogDebugSpilled(ILogger logger, string userId, int count, long spilled);

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing the state of user {UserId} failed; the grain deactivates and reloads")]
    private static partial void LogErrorPersistFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Stage} step after the durable write of user {UserId} failed; the ingest stands")]
    private static partial void LogErrorAfterWrite(ILogger logger, Exception exception, string stage, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing {Count} replayed entries of {UserId} from the spill store failed; the next replay resolves them")]
    private static partial void LogWarningSpillCleanupFailed(ILogger logger, Exception exception, string userId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quarantine replay of {UserId}: {Applied} applied or removed as duplicates, {Remaining} still quarantined")]
    private static partial void LogInformationReplayed(ILogger logger, string userId, int applied, long remaining);
}
