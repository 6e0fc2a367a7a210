using Esrs.Events;

namespace Esrs.Users;

/// <summary>
/// What a quarantine replay did: one outcome per re-validated entry, how many stay quarantined, and how many spilled
/// entries this call did not reach (<see cref="NotReplayed"/>; call replay again for them).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.replay-result")]
public sealed record ReplayResult(
    [property: Id(0)] IReadOnlyList<EventOutcome> Outcomes,
    [property: Id(1)] long StillQuarantined,
    [property: Id(2)] long NotReplayed = 0)
{
    /// <summary>Entries that now pass and were applied to the profile.</summary>
    public int Applied => Outcomes.Count(o => o.Kind is OutcomeKind.Accepted or OutcomeKind.Repaired);
}
