using System.Collections.Frozen;

namespace Esrs.Events;

/// <summary>
/// Event type names on the wire (JSON, CSV imports): kebab-case names, plus the spellings sources
/// commonly use (<c>add_to_cart</c>, <c>AddToCart</c>, Taobao's <c>pv</c>/<c>cart</c>/<c>fav</c>/<c>buy</c>).
/// </summary>
public static class EventTypeNames
{
    private static readonly FrozenDictionary<string, EventType> ByCompactName = new Dictionary<string, EventType>
    {
        ["search"] = EventType.Search,
        ["view"] = EventType.View,
        ["pv"] = EventType.View,
        ["pageview"] = EventType.View,
        ["click"] = EventType.Click,
        ["addtocart"] = EventType.AddToCart,
        ["cart"] = EventType.AddToCart,
        ["removefromcart"] = EventType.RemoveFromCart,
        ["purchase"] = EventType.Purchase,
        ["buy"] = EventType.Purchase,
        ["order"] = EventType.Purchase,
        ["cancel"] = EventType.Cancel,
        ["cancellation"] = EventType.Cancel,
        ["return"] = EventType.Cancel,
        ["favorite"] = EventType.Favorite,
        ["favourite"] = EventType.Favorite,
        ["fav"] = EventType.Favorite,
        ["rating"] = EventType.Rating,
        ["rate"] = EventType.Rating,
    }.ToFrozenDictionary();

    /// <summary>The canonical wire name: <c>add-to-cart</c>, <c>remove-from-cart</c>, <c>view</c>...</summary>
    public static string Name(EventType type) => type switch
    {
        EventType.AddToCart => "add-to-cart",
        EventType.RemoveFromCart => "remove-from-cart",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Reads a type name in any accepted spelling; <see cref="EventType.Unknown"/> when unrecognised.</summary>
    public static EventType Parse(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return EventType.Unknown;
        }

        Span<char> compact = stackalloc char[Math.Min(name.Length, 64)];
        var length = 0;
        foreach (var c in name)
        {
            if (c is '-' or '_' or ' ')
            {
                continue;
            }

            if (length == compact.Length)
            {
                return EventType.Unknown;
            }

            compact[length++] = char.ToLowerInvariant(c);
        }

        return ByCompactName.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(compact[..length], out var type) ? type : EventType.Unknown;
    }
}
