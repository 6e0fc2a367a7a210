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
        // Persisted dedupe windows hold these hashes: changing the algorithm would let redeliveries through. Recorded
        // anew for content version 2 (user, rating and source reference), which came with the exact-key storage rows.
        Assert.Equal(0xF622B5C59B956ED2UL, EventFingerprint.OfContent(Sample));
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
    [InlineData("rating")]
    [InlineData("sourceRef")]
    [InlineData("user")]
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
            "rating" => Sample with { Rating = 4 },
            "sourceRef" => Sample with { SourceRef = "536365" },
            "user" => Sample with { UserId = "u2" },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.NotEqual(EventFingerprint.OfContent(Sample), EventFingerprint.OfContent(changed));
    }

    [Fact]
    public void LinesOfDifferentInvoicesAreDifferentFactsAndABlankReferenceIsNone()
    {
        var line = Sample with { SourceRef = "536365" };
        Assert.NotEqual(EventFingerprint.OfContent(line), EventFingerprint.OfContent(line with { SourceRef = "536366" }));
        Assert.Equal(EventFingerprint.OfContent(line), EventFingerprint.OfContent(line with { EventId = "evt-9" }));
        Assert.Equal(EventFingerprint.OfContent(Sample), EventFingerprint.OfContent(Sample with { SourceRef = " " }));
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
