using Esrs.Events;
using MessagePack;

namespace Esrs.Catalogue;

/// <summary>One product listing as a catalogue source sends it: raw, kept beside the cleaned item.</summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-record")]
[MessagePackObject]
public sealed record CatalogueRecord
{
    /// <summary>The id events name the item by (Flipkart's pid, UCI's stock code).</summary>
    [Id(0), Key(0)] public required string ItemId { get; init; }
    [Id(1), Key(1)] public string? Title { get; init; }

    /// <summary>Category path, levels separated by <c>&gt;</c>.</summary>
    [Id(2), Key(2)] public string? CategoryPath { get; init; }
    [Id(3), Key(3)] public string? Brand { get; init; }
    [Id(4), Key(4)] public decimal? ListPrice { get; init; }
    [Id(5), Key(5)] public decimal? SalePrice { get; init; }

    /// <summary>ISO 4217 code of the prices.</summary>
    [Id(6), Key(6)] public string? Currency { get; init; }
    [Id(7), Key(7)] public string? Description { get; init; }
}

/// <summary>
/// A catalogue item as cleaned: the values enrichment uses, the rules that made them, and the raw record they came from.
/// <see cref="CanonicalId"/> names the item this one is a duplicate listing of (null: it is its own).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-item")]
public sealed record CatalogueItem
{
    [Id(0)] public required string ItemId { get; init; }
    [Id(1)] public required string Source { get; init; }
    [Id(2)] public required string Title { get; init; }
    [Id(3)] public string? CategoryPath { get; init; }
    [Id(4)] public string? Brand { get; init; }
    [Id(5)] public decimal? ListPrice { get; init; }
    [Id(6)] public decimal? SalePrice { get; init; }
    [Id(7)] public string? Currency { get; init; }
    [Id(8)] public string? Description { get; init; }
    [Id(9)] public string? CanonicalId { get; init; }
    [Id(10)] public required IReadOnlyList<RuleDecision> Decisions { get; init; }
    [Id(11)] public required CatalogueRecord Raw { get; init; }
    [Id(12)] public DateTime UpdatedAt { get; init; }

    /// <summary>What enrichment needs of this item (what the per-silo cache keeps).</summary>
    public CatalogueFacts Facts() => new(ItemId, Title, CategoryPath, Brand, ListPrice, Currency, CanonicalId);
}

/// <summary>The part of a catalogue item an event is enriched from.</summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-facts")]
public sealed record CatalogueFacts(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Title,
    [property: Id(2)] string? CategoryPath,
    [property: Id(3)] string? Brand,
    [property: Id(4)] decimal? ListPrice,
    [property: Id(5)] string? Currency,
    [property: Id(6)] string? CanonicalId);

/// <summary>
/// What became of one catalogue record: stored as sent (<see cref="OutcomeKind.Accepted"/>), stored after repairs, stored
/// as a duplicate listing of <see cref="CanonicalId"/> (<see cref="OutcomeKind.DuplicateByContent"/>), unchanged from what
/// is stored (<see cref="OutcomeKind.DuplicateById"/>), or quarantined with the rules that refused it.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-outcome")]
public sealed record CatalogueOutcome(
    [property: Id(0)] string ItemId,
    [property: Id(1)] OutcomeKind Kind,
    [property: Id(2)] IReadOnlyList<RuleDecision> Decisions,
    [property: Id(3)] string? CanonicalId = null);

/// <summary>A catalogue record the rules refused, kept as sent.</summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-quarantined")]
public sealed record QuarantinedRecord(
    [property: Id(0)] long Sequence,
    [property: Id(1)] CatalogueRecord Record,
    [property: Id(2)] IReadOnlyList<RuleDecision> Reasons,
    [property: Id(3)] DateTime QuarantinedAt);

/// <summary>A catalogue source's counts, the rules that fired, and a page of its quarantine.</summary>
[GenerateSerializer, Immutable, Alias("esrs.catalogue-summary")]
public sealed record CatalogueSummary(
    [property: Id(0)] string Source,
    [property: Id(1)] long Received,
    [property: Id(2)] long Accepted,
    [property: Id(3)] long Repaired,
    [property: Id(4)] long Duplicates,
    [property: Id(5)] long Unchanged,
    [property: Id(6)] long Quarantined,
    [property: Id(7)] int Brands,
    [property: Id(8)] IReadOnlyDictionary<string, long> Rules,
    [property: Id(9)] IReadOnlyList<QuarantinedRecord> Quarantine);
