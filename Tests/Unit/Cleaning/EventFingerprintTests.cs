using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class EventFingerprintTests
{
    private static readonly UserEvent Sample = new()
    {
        EventId = "evt-1",
        UserId = "u1",
        Type = EventType.Purchase,
        OccurredAt = new DateTime(2024, 5, 1, 12, 30, 15, 250, DateTimeKind.Utc),
        Source = "shop",
        ItemId = "sku-9",
        Quantity = 2,
        UnitPrice = 2.50m,
        Currency = "EUR",
    };

    [Fact]
    public void FingerprintIsPinnedAcrossProcessesAndReleases()
    {
        // Persisted dedupe windows hold these hashes: changing the algorithm would let redeliveries through.
        Assert.Equal(0xF6ADE638AD981FD2UL, EventFingerprint.OfContent(Sample));
        Assert.Equal(0xDF33766B69CC6AE0UL, EventFingerprint.OfId("evt-1"));
    }

    [Fact]
    public void FingerprintIgnoresEventIdAttributesTitleAndSubSecondTime()
    {
        var resent = Sample with
        {
            EventId = "evt-2",
            ItemTitle = "A title",
            OccurredAt = Sample.OccurredAt.AddMilliseconds(500),
            Attributes = new Dictionary<string, string> { ["x"] = "y" },
        };

        Assert.Equal(EventFingerprint.OfContent(Sample), EventFingerprint.OfContent(resent));
    }

    [Fact]
    public void PriceScaleDoesNotChangeTheFingerprint() =>
        Assert.Equal(EventFingerprint.OfContent(Sample), EventFingerprint.OfContent(Sample with { UnitPrice = 2.5000m }));

    [Theory]
    [InlineData("type")]
    [InlineData("item")]
    [InlineData("query")]
    [InlineData("quantity")]
    [InlineData("price")]
    [InlineData("second")]
    [InlineData("source")]
    public void EachFingerprintFieldChangesTheFingerprint(string field)
    {
        var changed = field switch
        {
            "type" => Sample with { Type = EventType.Cancel },
            "item" => Sample with { ItemId = "sku-10" },
            "query" => Sample with { Query = "shoes" },
            "quantity" => Sample with { Quantity = 3 },
            "price" => Sample with { UnitPrice = 2.51m },
            "second" => Sample with { OccurredAt = Sample.OccurredAt.AddSeconds(1) },
            "source" => Sample with { Source = "app" },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.NotEqual(EventFingerprint.OfContent(Sample), EventFingerprint.OfContent(changed));
    }

    [Fact]
    public void FieldBoundariesAreUnambiguous() =>
        Assert.NotEqual(
            EventFingerprint.OfContent(Sample with { ItemId = "ab", Query = "c" }),
            EventFingerprint.OfContent(Sample with { ItemId = "a", Query = "bc" }));

    [Fact]
    public void BlankIdHashesToTheReservedZero()
    {
        Assert.Equal(0UL, EventFingerprint.OfId(""));
        Assert.Equal(0UL, EventFingerprint.OfId("  "));
        Assert.NotEqual(0UL, EventFingerprint.OfId("x"));
    }
}
