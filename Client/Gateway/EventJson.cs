using System.Text.Json.Serialization;
using Esrs.Events;

namespace Esrs.Client.Gateway;

/// <summary>
/// One event as JSON on <c>POST /v1/events</c> (camelCase). Only JSON shape is checked here: a
/// missing id, user or time is for the rules to judge, so such events are quarantined, not refused.
/// </summary>
public sealed class EventJson
{
    public string? EventId { get; set; }
    public string? UserId { get; set; }

    /// <summary>Type name (<c>view</c>, <c>add-to-cart</c>...); an unknown name is kept and quarantined.</summary>
    public string? Type { get; set; }

    /// <summary>ISO 8601; an offset is honoured, none means UTC.</summary>
    [JsonConverter(typeof(UtcUnlessZonedConverter))]
    public DateTimeOffset? OccurredAt { get; set; }

    /// <summary>Producing source; defaults to the API key's name.</summary>
    public string? Source { get; set; }

    public string? ItemId { get; set; }
    public string? ItemTitle { get; set; }
    public string? CategoryPath { get; set; }
    public string? Brand { get; set; }
    public string? Query { get; set; }
    [JsonConverter(typeof(WholeNumberConverter))]
    public int? Quantity { get; set; }
    public decimal? UnitPrice { get; set; }
    public string? Currency { get; set; }
    public double? Rating { get; set; }
    [JsonConverter(typeof(WholeNumberConverter))]
    public int? Age { get; set; }
    public string? Gender { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }

    /// <summary>The source's own identity of the fact: order or invoice number, session id (see <see cref="UserEvent.SourceRef"/>).</summary>
    public string? SourceRef { get; set; }

    /// <summary>The JSON form of an event (what the importer posts).</summary>
    public static EventJson From(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new EventJson
        {
            EventId = e.EventId,
            UserId = e.UserId,
            Type = e.Type == EventType.Unknown && e.Attributes?.GetValueOrDefault("type") is { } raw ? raw : EventTypeNames.Name(e.Type),
            OccurredAt = e.OccurredAt == default ? null : new DateTimeOffset(DateTime.SpecifyKind(e.OccurredAt, DateTimeKind.Utc)),
            Source = e.Source,
            ItemId = e.ItemId,
            ItemTitle = e.ItemTitle,
            CategoryPath = e.CategoryPath,
            Brand = e.Brand,
            Query = e.Query,
            Quantity = e.Quantity,
            UnitPrice = e.UnitPrice,
            Currency = e.Currency,
            Rating = e.Rating,
            Age = e.Age,
            Gender = e.Gender,
            Attributes = e.Attributes is null ? null : new Dictionary<string, string>(e.Attributes),
            SourceRef = e.SourceRef,
        };
    }

    /// <summary>The event the grains see.</summary>
    public UserEvent ToEvent(string defaultSource)
    {
        var type = EventTypeNames.Parse(Type);
        var attributes = Attributes;
        if (type == EventType.Unknown && Type is not null)
        {
            attributes = new Dictionary<string, string>(Attributes ?? []) { ["type"] = Type };
        }

        return new UserEvent
        {
            EventId = EventId ?? "",
            UserId = UserId ?? "",
            Type = type,
            OccurredAt = OccurredAt?.UtcDateTime ?? default,
            Source = string.IsNullOrWhiteSpace(Source) ? defaultSource : Source,
            ItemId = ItemId,
            ItemTitle = ItemTitle,
            CategoryPath = CategoryPath,
            Brand = Brand,
            Query = Query,
            Quantity = Quantity,
            UnitPrice = UnitPrice,
            Currency = Currency,
            Rating = Rating,
            Age = Age,
            Gender = Gender,
            Attributes = attributes,
            SourceRef = SourceRef,
        };
    }
}
