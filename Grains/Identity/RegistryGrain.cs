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
}

/// <summary>
/// One user's registry entry (<see cref="IRegistryGrain"/>). A record joins the index of each of its identifiers; the
/// other members are candidates, linked both ways when <see cref="IdentityRules.Evidence"/> finds evidence. Reentrant:
/// two entries linking each other at once call each other, and reads interleave; state writes take turns.
/// </summary>
[Reentrant]
public sealed partial class RegistryGrain(
    [PersistentState("registry", StorageNames.Identity)] IPersistentState<RegistryState> state,
    TimeProvider time,
    ILogger<RegistryGrain> logger) : Grain, IRegistryGrain
{
    private readonly SemaphoreSlim _writing = new(1, 1);

    private string Key => this.GetPrimaryKeyString();

    public async Task<RecordOutcome> PutAsync(PseudonymRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!string.Equals(record.UserId, Key, StringComparison.Ordinal))
        {
            throw new ArgumentException($"A record of '{record.UserId}' sent to the registry entry of '{Key}'.", nameof(record));
        }

        var identifiers = IdentityRules.Identifiers(record).ToList();
        foreach (var gone in state.State.Identifiers.Except(identifiers, StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IIdentityIndexGrain>(gone).LeaveAsync(Key);
        }

        // The record is readable before this entry joins any index: of two records of one person arriving at once, the
        // one that joins second finds the first and can read it, so the link is never missed by both.
        state.State.Record = record;
        state.State.Identifiers = identifiers;
        var candidates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var identifier in identifiers)
        {
            candidates.UnionWith(await GrainFactory.GetGrain<IIdentityIndexGrain>(identifier).JoinAsync(Key));
        }

        var found = new List<IdentityLink>();
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var other in candidates)
        {
            if (state.State.Links.Any(l => l.Other == other)
                || await GrainFactory.GetGrain<IRegistryGrain>(other).GetRecordAsync() is not { } theirs
                || IdentityRules.Evidence(record, theirs) is not { } evidence)
            {
                continue;
            }

            found.Add(new IdentityLink(other, evidence, now));
        }

        state.State.Links.AddRange(found);
        await WriteAsync();
        if (record.Gender is not null || record.BirthYear is not null)
        {
            // What the account holder declared outranks what events say about them (the profile keeps both).
            await GrainFactory.GetGrain<IUserGrain>(Key).DeclareAsync(record.Gender, record.BirthYear, record.Source, record.ReceivedAt);
        }

        foreach (var link in found)
        {
            await GrainFactory.GetGrain<IRegistryGrain>(link.Other).AddLinkAsync(link with { Other = Key });
        }

        if (found.Count > 0)
        {
            LogInformationLinked(logger, found.Count, string.Join(", ", found.Select(l => l.Evidence).Distinct()));
        }

        return new RecordOutcome(Key, true, [], found);
    }

    public Task<PseudonymRecord?> GetRecordAsync() => Task.FromResult(state.State.Record);

    public Task<IReadOnlyList<IdentityLink>> GetLinksAsync() => Task.FromResult<IReadOnlyList<IdentityLink>>([.. state.State.Links]);

    public async Task AddLinkAsync(IdentityLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (!state.State.Links.Any(l => l.Other == link.Other))
        {
            state.State.Links.Add(link);
            await WriteAsync();
        }
    }

    public async Task RemoveLinkAsync(string other)
    {
        if (state.State.Links.RemoveAll(l => l.Other == other) > 0)
        {
            await WriteAsync();
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
            var links = user == Key ? state.State.Links : await GrainFactory.GetGrain<IRegistryGrain>(user).GetLinksAsync();
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
        return new IdentityView(Key, members[0], members, [.. edges.Values.Where(e => seen.Contains(e.A) && seen.Contains(e.B)).OrderBy(e => e.A, StringComparer.Ordinal).ThenBy(e => e.B, StringComparer.Ordinal)], truncated);
    }

    public async Task<int> EraseAsync()
    {
        var links = state.State.Links.Count;
        foreach (var identifier in state.State.Identifiers)
        {
            await GrainFactory.GetGrain<IIdentityIndexGrain>(identifier).LeaveAsync(Key);
        }

        foreach (var link in state.State.Links)
        {
            await GrainFactory.GetGrain<IRegistryGrain>(link.Other).RemoveLinkAsync(Key);
        }

        await _writing.WaitAsync();
        try
        {
            await state.ClearStateAsync();
        }
        finally
        {
            _writing.Release();
        }

        this.DeactivateOnIdle();
        return links;
    }

    private async Task WriteAsync()
    {
        await _writing.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    // Counts and evidence kinds only: user ids of linked persons stay out of the log.
    [LoggerMessage(Level = LogLevel.Information, Message = "Registry record linked to {Count} other users by {Evidence}")]
    private static partial void LogInformationLinked(ILogger logger, int count, string evidence);
}
