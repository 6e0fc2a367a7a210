using Esrs.Events;
using Microsoft.Extensions.Logging;

namespace Esrs.Users;

/// <summary>
/// One profile per person (<see cref="IUserMergeGrain"/>): a linked id forwards its events and reads to the person's
/// canonical id, whose grain rebuilds its profile from every member's logged events.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Most forwards one batch takes: more means a regrouping is under way (ids pointing at each other), and the call is refused for a retry.</summary>
    public const int MaxForwardHops = 3;

    private int _tagGeneration;

    /// <summary>The person's canonical grain when this id was linked into it; null while this grain keeps its own profile.</summary>
    private IUserGrain? Canonical => state.State.ForwardTo is { } to ? GrainFactory.Reference<IUserGrain>(to) : null;

    /// <summary>The ids whose events this profile holds (this one alone until a merge).</summary>
    private IReadOnlyList<string> Members => state.State.Members.Count > 0 ? state.State.Members : [Key];

    /// <summary>Whether this profile holds <paramref name="id"/>'s events (without building the member list: every forwarded call asks).</summary>
    private bool IsMember(string id) => state.State.Members.Count == 0
        ? string.Equals(id, Key, StringComparison.Ordinal)
        : state.State.Members.Contains(id, StringComparer.Ordinal);

    public async Task<IngestResult> IngestForAsync(string origin, IReadOnlyList<UserEvent> batch, int hops)
    {
        ArgumentException.ThrowIfNullOrEmpty(origin);
        ArgumentNullException.ThrowIfNull(batch);
        ThrowIfUnusable();
        if (state.State.ForwardTo is { } canonical)
        {
            if (hops >= MaxForwardHops)
            {
                throw new StateUnavailableException($"The events of user '{origin}' were forwarded {hops} times: its person is being regrouped; retry the call.");
            }

            return await GrainFactory.Reference<IUserMergeGrain>(canonical).IngestForAsync(origin, batch, hops + 1);
        }

        if (!IsMember(origin))
        {
            // A member this profile has not taken in: the regrouping that makes this grain its profile did not finish, or
            // the member forwards here from a person it has left (an unlink or erasure being regrouped). The registry says
            // which; only a member of this grain's person is taken in (its history first, so the person lacks nothing).
            var person = await GrainFactory.Reference<Identity.IRegistryGrain>(Key).ResolveAsync(Identity.RegistryGrain.MaxMergedMembers);
            if (person.Truncated || !string.Equals(person.Canonical, Key, StringComparison.Ordinal) || !person.Members.Contains(origin, StringComparer.Ordinal))
            {
                throw new StateUnavailableException($"The person of user '{origin}' is being regrouped; retry the call.");
            }

            await RebuildCoreAsync([.. Members.Append(origin).Order(StringComparer.Ordinal)]);
        }

        return await IngestCoreAsync(batch, origin);
    }

    public Task<bool> CanMergeAsync()
    {
        ThrowIfUnusable();
        return Task.FromResult(state.State.LogComplete);
    }

    public async Task JoinAsync(string canonical)
    {
        ArgumentException.ThrowIfNullOrEmpty(canonical);
        ThrowIfUnusable();
        ThrowIfSystemGrain();
        if (string.Equals(canonical, Key, StringComparison.Ordinal))
        {
            throw new ArgumentException("A user cannot be linked into itself.", nameof(canonical));
        }

        if (string.Equals(state.State.ForwardTo, canonical, StringComparison.Ordinal))
        {
            return;
        }

        state.State.ForwardTo = canonical;
        _recommended = null;
        await PersistAsync();
        LogInformationJoined(logger, state.State.Accepted + state.State.Repaired);
    }

    public async Task<MergeResult> RebuildAsync(IReadOnlyList<string> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        ThrowIfUnusable();
        ThrowIfSystemGrain();
        List<string> sorted = [.. members.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        if (!sorted.Contains(Key, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The members of the profile kept by '{Key}' must include it.", nameof(members));
        }

        if (state.State.ForwardTo is null && Members.SequenceEqual(sorted, StringComparer.Ordinal))
        {
            // Already this person's profile: merged exactly once, however often the registry says so.
            return new MergeResult(Key, sorted, false, state.State.Accepted + state.State.Repaired, state.State.MergedDuplicates);
        }

        return await RebuildCoreAsync(sorted);
    }

    public async Task RefreshAsync()
    {
        ThrowIfUnusable();
        ThrowIfSystemGrain();
        if (state.State.ForwardTo is null)
        {
            await RebuildCoreAsync([.. Members]);
        }
    }

    /// <summary>
    /// Replaces profile, dedupe memory and event counters with a replay of the members' logs, in the order the events were
    /// applied; keeps this grain's quarantine (entries, spill and counters) and its counts of duplicates it dropped on arrival.
    /// </summary>
    private async Task<MergeResult> RebuildCoreAsync(List<string> members)
    {
        List<LoggedEvent> log;
        try
        {
            log = [.. await eventLog.ReadAsync(members)];
        }
        catch (Exception ex)
        {
            throw new StateUnavailableException($"The event log of user '{Key}' could not be read ({ex.GetType().Name}); nothing changed, retry.", ex);
        }

        log.Sort(LoggedEvent.Compare);
        var old = state.State;
        var fresh = new UserState
        {
            Quarantine = old.Quarantine,
            NextQuarantineSequence = old.NextQuarantineSequence,
            Quarantined = old.Quarantined,
            Replayed = old.Replayed,
            QuarantineSpilled = old.QuarantineSpilled,
            SpilledThrough = old.SpilledThrough,
            ResolvedSpilled = old.ResolvedSpilled,
            DuplicatesById = old.DuplicatesById,
            DuplicatesByContent = old.DuplicatesByContent,
            LogSequence = old.LogSequence,
            LogWriter = old.LogWriter,
            LogComplete = true,
            Members = members.Count > 1 ? members : [],
        };
        var processor = NewProcessor(fresh);
        var (applied, duplicates) = processor.Rebuild(log);
        foreach (var member in members)
        {
            // What each member declared in the registry outranks what events say, as it did before the rebuild.
            if (await GrainFactory.Reference<Identity.IRegistryGrain>(member).GetRecordAsync() is { } record && (record.Gender is not null || record.BirthYear is not null))
            {
                processor.Declare(record.Gender, record.BirthYear, record.Source, record.ReceivedAt, profileOptions.Value.RegistryTrust);
            }
        }

        // Tags still on their way belong to the replaced profile; the rebuilt one asks for its own.
        _tagGeneration++;
        _arrived.Clear();
        _recommended = null;
        state.State = fresh;
        _processor = processor;
        await PersistAsync();
        AfterWrite(StartTagging, "tagging");
        LogInformationRebuilt(logger, members.Count, applied, duplicates);
        return new MergeResult(Key, members, true, applied, duplicates);
    }

    private UserEventProcessor NewProcessor(UserState userState) =>
        new(Key, userState, validator, validationOptions.Value, dedupeOptions.Value, profileOptions.Value, quarantineOptions.Value)
        {
            CollectTagTexts = taggerOptions.Value.Enabled,
            CollectApplied = feed.Enabled,
        };

    // Counts only: which ids form a person stays out of the log.
    [LoggerMessage(Level = LogLevel.Information, Message = "A user was linked into another's person ({Events} events of its own); its events and reads now go there")]
    private static partial void LogInformationJoined(ILogger logger, long events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Profile of a person of {Members} ids rebuilt from their logs: {Applied} events applied, {Duplicates} seen under two ids counted once")]
    private static partial void LogInformationRebuilt(ILogger logger, int members, long applied, long duplicates);
}
