namespace Esrs.Profiles;

/// <summary>Where a derived profile value came from: the source, the rule, the model version if a model produced it, and when.</summary>
[GenerateSerializer, Immutable, Alias("esrs.provenance")]
public sealed record Provenance(
    [property: Id(0)] string Source,
    [property: Id(1)] string RuleId,
    [property: Id(2)] DateTime At,
    [property: Id(3)] string? ModelVersion = null);
