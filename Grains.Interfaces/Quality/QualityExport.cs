namespace Esrs.Quality;

/// <summary>
/// Quality counts released with differential privacy for sharing outside the operators (<see cref="IQualityGrain.ExportAsync"/>):
/// per source, events by outcome; over all sources, events by top-level category. Event-level (ε, δ)-differential
/// privacy: adding or removing any one event changes the distribution of this answer by at most a factor e^ε, except
/// with probability δ. Values are noisy and rounded; a cell below the threshold is left out (null). <see cref="Spent"/>
/// and <see cref="DeltaSpent"/> add up every release ever made of these totals (they are released whole each time, so
/// the budget never frees); <see cref="Refusal"/> is set instead when the budget would be overspent.
/// <see cref="Capped"/>: a cap on distinct sources or categories was reached, past which the guarantee does not hold.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.quality-export")]
public sealed record QualityExport(
    [property: Id(0)] DateTime ReleasedAt,
    [property: Id(1)] double Epsilon,
    [property: Id(2)] double Delta,
    [property: Id(3)] double NoiseScale,
    [property: Id(4)] double CategoryThreshold,
    [property: Id(5)] double Budget,
    [property: Id(6)] double Spent,
    [property: Id(7)] double DeltaSpent,
    [property: Id(8)] IReadOnlyList<ExportedSource> Sources,
    [property: Id(9)] IReadOnlyList<ExportedCategory> Categories,
    [property: Id(10)] string? Refusal = null,
    [property: Id(11)] bool Capped = false);

/// <summary>One source's events by outcome, noisy (duplicates by id and by content together); null: below the threshold.</summary>
[GenerateSerializer, Immutable, Alias("esrs.exported-source")]
public sealed record ExportedSource(
    [property: Id(0)] string Source,
    [property: Id(1)] long? Accepted,
    [property: Id(2)] long? Repaired,
    [property: Id(3)] long? Duplicates,
    [property: Id(4)] long? Quarantined);

/// <summary>Events of one top-level category over all sources, noisy.</summary>
[GenerateSerializer, Immutable, Alias("esrs.exported-category")]
public sealed record ExportedCategory([property: Id(0)] string Category, [property: Id(1)] long Events);

/// <summary>One private release, as the aggregator's state records it against the budget.</summary>
[GenerateSerializer, Immutable, Alias("esrs.privacy-release")]
public sealed record PrivacyRelease([property: Id(0)] DateTime At, [property: Id(1)] double Epsilon, [property: Id(2)] double Delta);
