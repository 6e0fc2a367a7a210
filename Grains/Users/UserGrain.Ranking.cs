using Esrs.Recommending;

namespace Esrs.Users;

public sealed partial class UserGrain
{
    public Task<RankResult> RankAsync(IReadOnlyList<RankCandidate> candidates, double blend)
    {
        ThrowIfUnusable();
        ArgumentNullException.ThrowIfNull(candidates);
        var options = rankOptions.Value;
        if (candidates.Count == 0 || candidates.Count > options.MaxCandidates)
        {
            throw new ArgumentException($"between 1 and {options.MaxCandidates} candidates, not {candidates.Count}", nameof(candidates));
        }

        if (!double.IsFinite(blend) || blend is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(blend), blend, "blend is a number from 0 to 1");
        }

        _dirty |= ApplyArrivedTags();
        return Task.FromResult(new CandidateRanker(options).Rank(state.State.Profile, candidates, blend));
    }
}
