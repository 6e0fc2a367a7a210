using Esrs.Events;

namespace Esrs.Users;

/// <summary>What a quarantine replay did: one outcome per replayed entry, and how many stay quarantined.</summary>
[GenerateSerializer, Immutable, Alias("esrs.replay-result")]
public sealed record ReplayResult(
    [property: Id(0)] IReadOnlyList<EventOutcome> Outcomes,
    [property: Id(1)] int StillQuarantined)
{
    /// <summary>Entries that now pass and were applied to the profile.</summary>
    public int Applied => Outcomes.Count(o => o.Kind is OutcomeKind.Accepted or OutcomeKind.Repaired);
}
