using MessagePack;

namespace Esrs.Events;

/// <summary>
/// One behaviour event of one user, as a source sent it. The same record is the Orleans message
/// (field ids) and the MessagePack wire contract (keys); never reuse an id or a key once shipped.
/// </summary>
[GenerateSerializer, Immutable, Alias("esrs.user-event")]
[MessagePackObject]
public sealed record UserEvent
{
    /// <summary>Producer-assigned id, unique per source; the first dedupe key.</summary>
    [Id(0), Key(0)] public required string EventId { get; init; }

    /// <summary>The user the event belongs to; blank when the source does not know the user.</summary>
    [Id(1), Key(1)] public required string UserId { get; init; }

    [Id(2), Key(2)] public required EventType Type { get; init; }

    /// <summary>When the behaviour happened, UTC.</summary>
    [Id(3), Key(3)] public required DateTime OccurredAt { get; init; }

    /// <summary>Name of the producing source (shop frontend, importer, registry...).</summary>
    [Id(4), Key(4)] public required string Source { get; init; }

    [Id(5), Key(5)] public string? ItemId { get; init; }
    [Id(6), Key(6)] public string? ItemTitle { get; init; }

    /// <summary>Category path, levels separated by <c>&gt;</c> or <c>/</c>.</summary>
    [Id(7), Key(7)] public string? CategoryPath { get; init; }
    [Id(8), Key(8)] public string? Brand { get; init; }
    [Id(9), Key(9)] public string? Query { get; init; }

    /// <summary>Units; negative values are how some sources write returns and cancellations.</summary>
    [Id(10), Key(10)] public int? Quantity { get; init; }
    [Id(11), Key(11)] public decimal? UnitPrice { get; init; }

    /// <summary>ISO 4217 code of <see cref="UnitPrice"/>.</summary>
    [Id(12), Key(12)] public string? Currency { get; init; }

    /// <summary>Star rating, 1..5, on <see cref="EventType.Rating"/> events.</summary>
    [Id(13), Key(13)] public double? Rating { get; init; }

    /// <summary>Age in years, when the source is a user registry.</summary>
    [Id(14), Key(14)] public int? Age { get; init; }

    /// <summary>Gender as the source spelled it; normalised by validation.</summary>
    [Id(15), Key(15)] public string? Gender { get; init; }

    /// <summary>A small free map of extra attributes (the raw type name of an unknown type lands here as <c>type</c>).</summary>
    [Id(16), Key(16)] public IReadOnlyDictionary<string, string>? Attributes { get; init; }

    /// <summary>
    /// The source's own identity of the business fact the event records: the order or invoice number of a purchase line,
    /// the session of a search or view. Optional; when present, two events are the same fact only if it is the same,
    /// so lines of different orders with equal item, quantity, price and time are never merged as duplicates.
    /// </summary>
    [Id(17), Key(17)] public string? SourceRef { get; init; }
}
