namespace Esrs.Recommending;

/// <summary>
/// One candidate a frontend's search engine sends to be re-ranked: its item id and, when the engine has them, title,
/// category path, brand, price, attributes and the engine's own relevance score.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.rank-candidate")]
public sealed record RankCandidate
{
    [Id(0)] public required string ItemId { get; init; }
    [Id(1)] public string? Title { get; init; }
    [Id(2)] public string? CategoryPath { get; init; }
    [Id(3)] public string? Brand { get; init; }
    [Id(4)] public decimal? Price { get; init; }
    [Id(5)] public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    /// <summary>The engine's relevance (any scale, higher is better); kept in the blend.</summary>
    [Id(6)] public double? Score { get; init; }
}

/// <summary>A signal that moved an item's score: <c>item</c>, <c>recent</c>, <c>category</c>, <c>brand</c>, <c>search</c>, <c>attribute</c>, <c>price</c>, <c>repeat</c>, <c>popular</c>.</summary>
[GenerateSerializer, Immutable, Alias("esrs.because")]
public sealed record Because([property: Id(0)] string Signal, [property: Id(1)] string Value, [property: Id(2)] double Weight);

/// <summary>An item with its score and the signals that moved it most.</summary>
[GenerateSerializer, Immutable, Alias("esrs.ranked-item")]
public sealed record RankedItem([property: Id(0)] string ItemId, [property: Id(1)] double Score, [property: Id(2)] IReadOnlyList<Because> Because);

/// <summary>
/// Re-ranked candidates or recommendations, best first. <see cref="Personalised"/> is false for a user without a profile:
/// the candidates come back in the order given (recommendations: the popular items).
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.rank-result")]
public sealed record RankResult([property: Id(0)] bool Personalised, [property: Id(1)] IReadOnlyList<RankedItem> Items);
