namespace Esrs.Profiles;

/// <summary>
/// One source's value for a profile field that several sources may state (<c>age</c> as a birth year, <c>gender</c>):
/// the value, who said it, how far that source is trusted, when, and by which rule. A profile keeps the latest claim of
/// each source; the value shown wins by trust, then recency (README "Conflicts, provenance, explain").
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.field-claim")]
public sealed record FieldClaim(
    [property: Id(0)] string Value,
    [property: Id(1)] string Source,
    [property: Id(2)] int Trust,
    [property: Id(3)] DateTime At,
    [property: Id(4)] string RuleId);

/// <summary>A field whose sources disagree: the claim shown and the ones it beat.</summary>
[GenerateSerializer, Immutable, Alias("esrs.field-conflict")]
public sealed record FieldConflict([property: Id(0)] FieldClaim Winner, [property: Id(1)] IReadOnlyList<FieldClaim> Losing);

/// <summary>How one profile field was derived (<c>?explain=true</c>).</summary>
[GenerateSerializer, Immutable, Alias("esrs.field-explanation")]
public sealed record FieldExplanation(
    [property: Id(0)] string How,
    [property: Id(1)] Provenance? Last,
    [property: Id(2)] IReadOnlyList<FieldClaim> Claims);
