namespace Esrs.Events;

/// <summary>The outcome of one ingested event, with every rule decision that touched it.</summary>
[GenerateSerializer, Immutable, Alias("esrs.event-outcome")]
public sealed record EventOutcome(
    [property: Id(0)] string EventId,
    [property: Id(1)] OutcomeKind Kind,
    [property: Id(2)] IReadOnlyList<RuleDecision> Decisions)
{
    /// <summary>Shared empty decision list, so accepted events allocate nothing for it.</summary>
    public static readonly IReadOnlyList<RuleDecision> NoDecisions = [];
}
