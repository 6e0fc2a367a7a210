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
                : await GrainFactory.Reference<IRegistryGrain>(seed).ResolveAsync(MaxMergedMembers);
            done.UnionWith(person.Members);
            if (person.Truncated)
            {
                LogWarningPersonTooLarge(logger, MaxMergedMembers);
                await SeparateProfilesAsync(person.Members);
                continue;
            }

            var incomplete = 0;
            foreach (var member in person.Members)
            {
                incomplete += await GrainFactory.Reference<IUserMergeGrain>(member).CanMergeAsync() ? 0 : 1;
            }

            if (incomplete > 0)
            {
                // A profile built before events were logged cannot be rebuilt from the log without losing them: the ids
                // stay linked in the registry and keep their own profiles (a merge from before goes back to them too).
                LogWarningPersonPredatesLog(logger, incomplete);
                await SeparateProfilesAsync(person.Members);
                continue;
            }

            foreach (var member in person.Members)
            {
                if (!string.Equals(member, person.Canonical, StringComparison.Ordinal))
                {
                    await GrainFactory.Reference<IUserMergeGrain>(member).JoinAsync(person.Canonical);
                }
            }

            await GrainFactory.Reference<IUserMergeGrain>(person.Canonical).RebuildAsync(person.Members);
        }
    }

    public async Task RegroupSoonAsync(IReadOnlyList<string> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RegroupAsync(seeds);
                // The members' rows that named the erased user were replaced just now, after the erasure's own scrub: their
                // old versions sit in freed pages and the write-ahead log until scrubbed again.
                await eraser.ScrubAsync();
                return;
            }
            catch (Exception ex) when (attempt < 5)
            {
                LogWarningRegroupRetried(logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(2 * attempt));
            }
            catch (Exception ex)
            {
                // Members that still forward to an erased id are refused there (it is no longer their person) and retried
                // by their callers; the next regroup of the person (a record put, an unlink) sets them right.
                LogErrorRegroupFailed(logger, ex, attempt);
                return;
            }
        }
    }

    /// <summary>Each id back to a profile of its own, from its own events (nothing to do for an id never merged).</summary>
    private async Task SeparateProfilesAsync(IReadOnlyList<string> members)
    {
        foreach (var member in members)
        {
            await GrainFactory.Reference<IUserMergeGrain>(member).RebuildAsync([member]);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Regrouping persons after an erasure failed (attempt {Attempt}); retrying")]
    private static partial void LogWarningRegroupRetried(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Regrouping persons after an erasure failed {Attempt} times; given up until the next change of those persons")]
    private static partial void LogErrorRegroupFailed(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A person has {Count} ids whose profiles predate the event log: their profiles are not merged (a rebuild from the log would lose their history)")]
    private static partial void LogWarningPersonPredatesLog(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A person has more than {Max} linked ids: their profiles are not merged")]
    private static partial void LogWarningPersonTooLarge(ILogger logger, int max);
}
