using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Esrs.Identity;

/// <summary>A registry entry's state: the pseudonymised record, the identifiers it joined, its links.</summary>
[GenerateSerializer, Alias("esrs.registry-state")]
public sealed class RegistryState
{
    [Id(0)] public PseudonymRecord? Record { get; set; }

    [Id(1)] public List<string> Identifiers { get; set; } = [];

    [Id(2)] public List<IdentityLink> Links { get; set; } = [];

    /// <summary>Users an operator separated from this one (<see cref="IRegistryGrain.UnlinkAsync"/>): never linked again.</summary>
    [Id(3)] public Dictionary<string, DateTime> Separated { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One user's registry entry (<see cref="IRegistryGrain"/>). A record joins the index of each of its identifiers; the
/// other members are candidates, linked both ways when <see cref="IdentityRules.Evidence"/> finds evidence. Reentrant, so
/// two entries linking each other at once can read each other; every change (put, erase, a link added or removed) takes
/// one turn at a time under the grain's own lock, and calls to other entries that change them are made outside it (two
/// entries each waiting for the other's lock would never finish).
/// </summary>
[Reentrant]
public sealed partial class RegistryGrain(
    [PersistentState("registry", StorageNames.Identity)] IPersistentState<RegistryState> state,
    Users.IUserDataEraser eraser,
    TimeProvider time,
    ILogger<RegistryGrain> logger) : Grain, IRegistryGrain
{
    private readonly SemaphoreSlim _changing = new(1, 1);

    private string Key => this.GetPrimaryKeyString();

    public async Task<RecordOutcome> PutAsync(PseudonymRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!string.Equals(record.UserId, Key, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A record of '{record.UserId}' sent to the registry entry of '{Key}'.", nameof(record));
        }

        List<IdentityLink> found;
        List<string> dropped;
        List<IdentityLink> links;
        await _changing.WaitAsync();
        try
        {
            var identifiers = IdentityRules.Identifiers(record).ToList();
            foreach (var gone in state.State.Identifiers.Except(identifiers, StringComparer.Ordinal).ToList())
            {
                await GrainFactory.Reference<IIdentityIndexGrain>(gone).LeaveAsync(Key);
            }

            // The record is readable before this entry joins any index: of two records of one person arriving at once, the
            // one that joins second finds the first and can read it, so the link is never missed by both.
            state.State.Record = record;
            state.State.Identifiers = identifiers;
            var candidates = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var identifier in identifiers)
            {
                candidates.UnionWith(await GrainFactory.Reference<IIdentityIndexGrain>(identifier).JoinAsync(Key));
            }

            // A replaced record keeps only the links its evidence still holds; new candidates are checked once.
            var now = time.GetUtcNow().UtcDateTime;
            found = [];
            dropped = [];
            var kept = new List<IdentityLink>();
            foreach (var link in state.State.Links.ToList())
            {
                var theirs = state.State.Separated.ContainsKey(link.Other) ? null : await GrainFactory.Reference<IRegistryGrain>(link.Other).GetRecordAsync();
                if (theirs is not null && IdentityRules.Evidence(record, theirs) is { } evidence)
                {
                    kept.Add(link with { Evidence = evidence });
                }
                else
                {
                    dropped.Add(link.Other);
                }
            }

            foreach (var other in candidates)
            {
                if (kept.Any(l => l.Other == other)
                    || state.State.Separated.ContainsKey(other)
                    || await GrainFactory.Reference<IRegistryGrain>(other).GetRecordAsync() is not { } theirs
                    || IdentityRules.Evidence(record, theirs) is not { } evidence)
                {
                    continue;
                }

                found.Add(new IdentityLink(other, evidence, now));
            }

            state.State.Links = [.. kept, .. found];
            links = [.. state.State.Links];
            await state.WriteStateAsync();
        }
        finally
        {
            _changing.Release();
        }

        // Every current link is sent to its other side each time (idempotent): a put retried after a failure past this
        // point leaves no link one-way. A side that has no record any more (erased meanwhile) refuses, and goes here too.
        var refused = new List<string>();
        foreach (var link in links)
        {
            if (!await GrainFactory.Reference<IRegistryGrain>(link.Other).AddLinkAsync(link with { Other = Key }))
            {
                refused.Add(link.Other);
            }
        }

        foreach (var other in dropped)
        {
            await GrainFactory.Reference<IRegistryGrain>(other).RemoveLinkAsync(Key);
        }

        foreach (var other in refused)
        {
            await RemoveLinkAsync(other);
        }

        if (links.Count > refused.Count || dropped.Count > 0)
        {
            // One profile for the person's ids (and a dropped id's profile restored from its own events). Also when no link
            // is new: a retry after a regroup failed half-way finishes it, and a person grouped already costs a few reads.
            await RegroupAsync([Key, .. dropped, .. refused]);
        }

        if (record.Gender is not null || record.BirthYear is not null)
        {
            // What the account holder declared outranks what events say about them (the profile keeps both).
            await GrainFactory.Reference<IUserGrain>(Key).DeclareAsync(record.Gender, record.BirthYear, record.Source, record.ReceivedAt);
        }

        found.RemoveAll(l => refused.Contains(l.Other));
        if (found.Count > 0)
        {
            LogInformationLinked(logger, found.Count, string.Join(", ", found.Select(l => l.Evidence).Distinct()));
        }

        return new RecordOutcome(Key, true, [], found);
    }

    public Task<PseudonymRecord?> GetRecordAsync() => Task.FromResult(state.State.Record);

    public Task<IReadOnlyList<IdentityLink>> GetLinksAsync() => Task.FromResult<IReadOnlyList<IdentityLink>>([.. state.State.Links]);

    public async Task<bool> AddLinkAsync(IdentityLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        await _changing.WaitAsync();
        try
        {
            if (state.State.Record is null || state.State.Separated.ContainsKey(link.Other))
            {
                // No record (never sent, or erased), or an operator separated the two: nobody links to it.
                return false;
            }

            var at = state.State.Links.FindIndex(l => l.Other == link.Other);
            if (at >= 0 && state.State.Links[at].Evidence == link.Evidence)
            {
                return true;
            }

            if (at >= 0)
            {
                state.State.Links[at] = link;
            }
            else
            {
                state.State.Links.Add(link);
            }

            await state.WriteStateAsync();
            return true;
        }
        finally
        {
            _changing.Release();
        }
    }

    public async Task RemoveLinkAsync(string other)
    {
        await _changing.WaitAsync();
        try
        {
            if (state.State.Links.RemoveAll(l => l.Other == other) > 0)
            {
                await state.WriteStateAsync();
            }
        }
        finally
        {
            _changing.Release();
        }
    }

    public async Task<UnlinkResult> UnlinkAsync(string other)
    {
        ArgumentException.ThrowIfNullOrEmpty(other);
        if (string.Equals(other, Key, StringComparison.Ordinal))
        {
            throw new ArgumentException("A user cannot be separated from itself.", nameof(other));
        }

        var at = time.GetUtcNow().UtcDateTime;
        var (removed, separatedAt) = await SeparateCoreAsync(other, at, onlyIfLinked: true);
        if (separatedAt is null)
        {
            // Neither linked nor separated: nothing to undo, and no trace of the other user is left here.
            return new UnlinkResult(Key, other, null, null);
        }

        // The other side after this one: a retry after a failure in between finds this side separated and repeats the rest.
        await GrainFactory.Reference<IRegistryGrain>(other).SeparateAsync(Key, separatedAt.Value);
        LogInformationSeparated(logger, removed is not null);
        var stillOne = (await ResolveAsync(1_000)).Members.Contains(other, StringComparer.Ordinal);

        // Each side's person gets its profile back from its members' own events (one profile still, if they stay joined).
        await RegroupAsync([Key, other]);
        return new UnlinkResult(Key, other, removed, separatedAt, stillOne);
    }

    public Task SeparateAsync(string other, DateTime at) => SeparateCoreAsync(other, at, onlyIfLinked: false);

    public async Task ForgetAsync(string other)
    {
        await _changing.WaitAsync();
        try
        {
            if ((state.State.Links.RemoveAll(l => l.Other == other) > 0) | state.State.Separated.Remove(other))
            {
                await state.WriteStateAsync();
            }
        }
        finally
        {
            _changing.Release();
        }
    }

    private async Task<(IdentityLink? Removed, DateTime? SeparatedAt)> SeparateCoreAsync(string other, DateTime at, bool onlyIfLinked)
    {
        await _changing.WaitAsync();
        try
        {
            var removed = state.State.Links.Find(l => l.Other == other);
            if (onlyIfLinked && removed is null && !state.State.Separated.ContainsKey(other))
            {
                return (null, null);
            }

            var changed = state.State.Links.RemoveAll(l => l.Other == other) > 0;
            changed |= state.State.Separated.TryAdd(other, at);
            if (changed)
            {
                await state.WriteStateAsync();
            }

            return (removed, state.State.Separated[other]);
        }
        finally
        {
            _changing.Release();
        }
    }

    public async Task<IdentityView> ResolveAsync(int maxMembers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMembers, 1);
        var members = new List<string> { Key };
        var seen = new HashSet<string>(StringComparer.Ordinal) { Key };
        var edges = new Dictionary<(string, string), IdentityEdge>();
        var queue = new Queue<string>([Key]);
        var truncated = false;
        while (queue.TryDequeue(out var user))
        {
            IReadOnlyList<IdentityLink> links = user == Key ? [.. state.State.Links] : await GrainFactory.Reference<IRegistryGrain>(user).GetLinksAsync();
            foreach (var link in links)
            {
                var pair = string.CompareOrdinal(user, link.Other) < 0 ? (user, link.Other) : (link.Other, user);
                edges.TryAdd(pair, new IdentityEdge(pair.Item1, pair.Item2, link.Evidence, link.At));
                if (seen.Contains(link.Other))
                {
                    continue;
                }

                if (members.Count >= maxMembers)
                {
                    truncated = true;
                    continue;
                }

                seen.Add(link.Other);
                members.Add(link.Other);
                queue.Enqueue(link.Other);
            }
        }

        members.Sort(StringComparer.Ordinal);
        return new IdentityView(Key, members[0], members, [.. edges.Values.Where(e => seen.Contains(e.A) && seen.Contains(e.B)).OrderBy(e => e.A, StringComparer.Ordinal).ThenBy(e => e.B, StringComparer.Ordinal)], truncated,
            [.. state.State.Separated.Keys.Order(StringComparer.Ordinal)]);
    }

    public async Task<int> EraseAsync(IReadOnlyList<string> merged)
    {
        ArgumentNullException.ThrowIfNull(merged);
        List<string> identifiers;
        List<string> others;
        List<string> linked;
        await _changing.WaitAsync();
        try
        {
            identifiers = [.. state.State.Identifiers];
            linked = [.. state.State.Links.Select(l => l.Other)];
            others = [.. state.State.Links.Select(l => l.Other).Union(state.State.Separated.Keys, StringComparer.Ordinal)];
            foreach (var identifier in identifiers)
            {
                await GrainFactory.Reference<IIdentityIndexGrain>(identifier).LeaveAsync(Key);
            }

            // Cleared before the others are told: from here AddLinkAsync refuses, so nobody can link back to this user.
            await state.ClearStateAsync();
        }
        finally
        {
            _changing.Release();
        }

        foreach (var other in others)
        {
            await GrainFactory.Reference<IRegistryGrain>(other).ForgetAsync(Key);
        }

        // The erased user's events leave the person's profile: the others are regrouped without it, by one of them, after
        // this call (the erasing user grain waits on this one; a member forwarding to it would wait on that grain).
        List<string> seeds = [.. linked.Union(merged, StringComparer.Ordinal).Where(m => !string.Equals(m, Key, StringComparison.Ordinal))];
        if (seeds.Count > 0)
        {
            await GrainFactory.Reference<IRegistryGrain>(seeds[0]).RegroupSoonAsync(seeds);
        }

        this.DeactivateOnIdle();
        return others.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "An operator separated a registry entry from another (a link removed: {Removed}); the pair is never linked again")]
    private static partial void LogInformationSeparated(ILogger logger, bool removed);

    // Counts and evidence kinds only: user ids of linked persons stay out of the log.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Registry record linked to {Count} other users by {Evidence}")]
    private static partial void LogInformationLinked(ILogger logger, int count, string evidence);
}
