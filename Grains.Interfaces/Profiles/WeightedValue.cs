namespace Esrs.Profiles;

/// <summary>A value with its time-decayed interest weight at <see cref="UserProfile.AsOf"/>.</summary>
[GenerateSerializer, Immutable, Alias("esrs.weighted-value")]
public sealed record WeightedValue([property: Id(0)] string Value, [property: Id(1)] double Weight);
