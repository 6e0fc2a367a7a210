using Esrs.Events;

namespace Esrs.Tests.Support;

/// <summary>Small factory of valid events; tests change what they are about with <c>with</c>.</summary>
internal static class TestEvents
{
    private static int _next;

    public static DateTime Now => DateTime.UtcNow;

    public static UserEvent View(string user, string item = "sku-1", DateTime? at = null) => new()
    {
        EventId = NextId(),
        UserId = user,
        Type = EventType.View,
        OccurredAt = at ?? Now.AddMinutes(-1),
        Source = "test",
        ItemId = item,
    };

    public static UserEvent Purchase(string user, string item = "sku-1", int quantity = 1, decimal price = 10m, DateTime? at = null) =>
        View(user, item, at) with { Type = EventType.Purchase, Quantity = quantity, UnitPrice = price, Currency = "EUR" };

    public static UserEvent Search(string user, string query, DateTime? at = null) =>
        View(user, "unused", at) with { Type = EventType.Search, ItemId = null, Query = query };

    public static string NextId() => "e-" + Interlocked.Increment(ref _next).ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
}
