using Esrs.Events;

namespace Esrs.Users;

/// <summary>A rejected event exactly as it arrived, with the rules that rejected it.</summary>
[GenerateSerializer, Immutable, Alias("esrs.quarantined-event")]
public sealed record QuarantinedEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] UserEvent Event,
    [property: Id(2)] IReadOnlyList<RuleDecision> Reasons,
    [property: Id(3)] DateTime QuarantinedAt);
