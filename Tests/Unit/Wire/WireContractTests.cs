using Esrs.Events;
using MessagePack;

namespace Esrs.Tests.Unit.Wire;

public sealed class WireContractTests
{
    private static readonly UserEvent Full = new()
    {
        EventId = "e-1",
        UserId = "u-1",
        Type = EventType.Rating,
        OccurredAt = new DateTime(2025, 3, 4, 5, 6, 7, DateTimeKind.Utc),
        Source = "app",
        ItemId = "sku",
        ItemTitle = "Title",
        CategoryPath = "A > B",
        Brand = "Brand",
        Query = "q",
        Quantity = 2,
        UnitPrice = 1.25m,
        Currency = "EUR",
        Rating = 4.5,
        Age = 33,
        Gender = "F",
        Attributes = new Dictionary<string, string> { ["k"] = "v" },
    };

    [Fact]
    public void MessagePackRoundTripKeepsEveryField()
    {
        var bytes = MessagePackSerializer.Serialize(Full);
        var back = MessagePackSerializer.Deserialize<UserEvent>(bytes);

        Assert.Equal(Full with { Attributes = null }, back with { Attributes = null });
        Assert.Equal("v", back.Attributes!["k"]);
        Assert.Equal(DateTimeKind.Utc, back.OccurredAt.Kind);
    }

    [Fact]
    public void MessagePackContractIsAnArrayOfKeyedFields()
    {
        // Keys are positions: a producer in another language writes an array of 17 fields.
        var json = MessagePackSerializer.ConvertToJson(MessagePackSerializer.Serialize(Full with { Attributes = null }));

        Assert.StartsWith("[\"e-1\",\"u-1\",9,", json, StringComparison.Ordinal);
    }
}
