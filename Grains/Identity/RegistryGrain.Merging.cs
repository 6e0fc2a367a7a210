using Esrs.Users;
using Microsoft.Extensions.Logging;

namespace Esrs.Identity;

/// <summary>The registry's side of one profile per person: after links change, each person's user grains are regrouped.</summary>
public sealed partial class RegistryGrain
{
    /// <summary>Most ids a person may have for its profiles to be merged (a larger group is left as it is, and logged).</summary>
    public const int MaxMergedMembers = 1_000;

    /// <summary>
    /// For the person of each seed: every member but the canonical id (the smallest) forwards to it from now on, then the
    /// canonical grain rebuilds the person's profile from the members' logs. Idempotent: a person already grouped so costs
    /// a read of each grain. Called outside the entry's lock, after the links are durable; a failure leaves the links as
    /// they are and is thrown to the caller, whose retry regroups again (and a canonical grain that receives a forwarded
    /// member's events before its rebuild takes that member in itself).
    /// </summary>
    private async Task RegroupAsync(IEnumerable<string> seeds)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var seed in seeds)
        {
            if (done.Contains(seed))
            {
                continue;
            }

            var person = string.Equals(seed, Key, StringComparison.Ordinal)
                ? await ResolveAsync(MaxMergedMembers)
                : await GrainFactory.GetGrain<IRegistryGrain>(seed).ResolveAsync(MaxMergedMembers);
            done.UnionWith(person.Members);
            if (person.Truncated)
            {
                LogWarningPersonTooLarge(logger, MaxMergedMembers);
                continue;
            }

            var incomplete = 0;
            foreach (var member in person.Members)
            {
                incomplete += await GrainFactory.GetGrain<IUserMergeGrain>(member).CanMergeAsync() ? 0 : 1;
            }

            if (incomplete > 0)
            {
                // A profile built before events were logged cannot be rebuilt from the log without losing them: the ids
                // stay linked in the registry and keep their own profiles.
                LogWarningPersonPredatesLog(logger, incomplete);
                continue;
            }

            foreach (var member in person.Members)
            {
                if (!string.Equals(member, person.Canonical, StringComparison.Ordinal))
                {
                    await GrainFactory.GetGrain<IUserMergeGrain>(member).JoinAsync(person.Canonical);
                }
            }

            await GrainFactory.GetGrain<IUserMergeGrain>(person.Canonical).RebuildAsync(person.Members);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A person has {Count} ids whose profiles predate the event log: their profiles are not merged (re-import their events to merge them)")]
    private static partial void LogWarningPersonPredatesLog(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A person has more than {Max} linked ids: their profiles are not merged")]
    private static partial void LogWarningPersonTooLarge(ILogger logger, int max);
}
