using Esrs.Events;

namespace Esrs.Profiles;

/// <summary>
/// The live profile of one user as a frontend reads it: weights are decayed to <see cref="AsOf"/>,
/// lists are sorted by weight, and every derived field names its provenance.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.user-profile")]
public sealed record UserProfile
{
    [Id(0)] public required string UserId { get; init; }

    /// <summary>The instant the decayed weights refer to.</summary>
    [Id(1)] public required DateTime AsOf { get; init; }

    /// <summary>Accepted events per type (cancellations and repairs counted under their repaired type).</summary>
    [Id(2)] public required IReadOnlyDictionary<EventType, long> Counts { get; init; }

    [Id(3)] public DateTime? FirstSeen { get; init; }
    [Id(4)] public DateTime? LastSeen { get; init; }

    [Id(5)] public required IReadOnlyList<WeightedValue> Categories { get; init; }
    [Id(6)] public required IReadOnlyList<WeightedValue> Brands { get; init; }
    [Id(7)] public required IReadOnlyList<WeightedValue> Items { get; init; }
    [Id(8)] public required IReadOnlyList<WeightedValue> SearchTerms { get; init; }

    /// <summary>Most recent distinct items, newest first.</summary>
    [Id(9)] public required IReadOnlyList<string> RecentItems { get; init; }

    /// <summary>Purchases minus cancellations, per ISO currency code.</summary>
    [Id(10)] public required IReadOnlyDictionary<string, decimal> Spend { get; init; }

    [Id(11)] public int? Age { get; init; }

    /// <summary>Normalised gender: <c>female</c>, <c>male</c> or <c>other</c>.</summary>
    [Id(12)] public string? Gender { get; init; }

    /// <summary>Share (0..1) of the profile's signals that are known: age, gender, category, brand, item, search term, spend.</summary>
    [Id(13)] public required double Completeness { get; init; }

    /// <summary>Provenance of each derived field, keyed by field name (<c>age</c>, <c>gender</c>, <c>categories</c>...).</summary>
    [Id(14)] public required IReadOnlyDictionary<string, Provenance> Provenance { get; init; }

    [Id(15)] public required IngestCounters Ingest { get; init; }

    /// <summary>Attribute values the tagger found in the user's search queries and item titles, as decayed interests (provenance: <c>attributes</c>, with the model version).</summary>
    [Id(16)] public IReadOnlyList<AttributeInterest> Attributes { get; init; } = [];

    /// <summary>Fields whose sources disagree (<c>age</c>, <c>gender</c>): the value shown, its source, and the values it beat.</summary>
    [Id(17)] public IReadOnlyDictionary<string, FieldConflict> Conflicts { get; init; } = new Dictionary<string, FieldConflict>();

    /// <summary>With <c>?explain=true</c> only: per field, how it was derived, its last provenance, and every claim.</summary>
    [Id(18)] public IReadOnlyDictionary<string, FieldExplanation>? Explain { get; init; }

    /// <summary>
    /// The user ids of one person whose profiles are merged into this one (sorted, this id included); null for a profile of
    /// one id. A read under any of them answers this profile, whose <see cref="UserId"/> is the person's canonical id.
    /// </summary>
    [Id(19)] public IReadOnlyList<string>? MergedIds { get; init; }
}

/// <summary>An attribute value (<c>COLOR</c> = <c>red</c>) with its time-decayed interest weight.</summary>
[GenerateSerializer, Immutable, Alias("esrs.attribute-interest")]
public sealed record AttributeInterest([property: Id(0)] string Label, [property: Id(1)] string Value, [property: Id(2)] double Weight);
