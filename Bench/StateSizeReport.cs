using Esrs.Events;
using Esrs.Users;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Esrs.Bench;

/// <summary>Bytes of persisted user state, serialised exactly as the storage provider does (Orleans binary serializer).</summary>
internal static class StateSizeReport
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(UserState).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    public static int Bytes(UserState state) => Serializer.SerializeToArray(state).Length;

    /// <summary>State bytes of every customer in <paramref name="events"/>, with that customer's event count.</summary>
    public static List<(int Events, int Bytes)> PerUser(IReadOnlyList<UserEvent> events)
    {
        var now = DateTime.UtcNow;
        var sizes = new List<(int, int)>();
        foreach (var group in events.Where(e => !string.IsNullOrWhiteSpace(e.UserId)).GroupBy(e => e.UserId))
        {
            var processor = PipelineBench.NewProcessor(group.Key, new UserState());
            var batch = group.ToList();
            processor.Ingest(batch, now);
            processor.SealState();
            sizes.Add((batch.Count, Bytes(processor.State)));
        }

        return sizes;
    }

    /// <summary>A typical shop user with 100 events: browsing, searching, a few carts and purchases, a rating.</summary>
    public static int TypicalUserWith100Events()
    {
        var start = DateTime.UtcNow.AddDays(-20);
        var events = new List<UserEvent>(100);
        for (var i = 0; i < 100; i++)
        {
            var item = "sku-" + (10_000 + (i * 7 % 30)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var e = new UserEvent
            {
                EventId = Guid.NewGuid().ToString(),
                UserId = "typical-user-1",
                Type = EventType.View,
                OccurredAt = start.AddMinutes(i * 277),
                Source = "web-shop",
                ItemId = item,
                ItemTitle = "Product " + item,
                CategoryPath = "Home > Category " + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Brand = "Brand " + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            events.Add((i % 10) switch
            {
                0 or 1 => e with { Type = EventType.Search, ItemId = null, Query = "query words " + (i % 12).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                2 => e with { Type = EventType.AddToCart, Quantity = 1 },
                3 when i % 20 == 3 => e with { Type = EventType.Purchase, Quantity = 1, UnitPrice = 19.99m, Currency = "EUR" },
                4 when i == 94 => e with { Type = EventType.Rating, Rating = 4 },
                _ => e,
            });
        }

        var processor = PipelineBench.NewProcessor("typical-user-1", new UserState());
        processor.Ingest(events, DateTime.UtcNow);
        processor.SealState();
        return Bytes(processor.State);
    }
}
