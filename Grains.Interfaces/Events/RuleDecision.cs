namespace Esrs.Events;

/// <summary>One rule's decision on one event: which rule, what it did, to which field, and why.</summary>
[GenerateSerializer, Immutable, Alias("esrs.rule-decision")]
public sealed record RuleDecision(
    [property: Id(0)] string RuleId,
    [property: Id(1)] DecisionKind Kind,
    [property: Id(2)] string? Field = null,
    [property: Id(3)] string? Detail = null);
