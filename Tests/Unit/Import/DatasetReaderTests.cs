using Esrs.Client.Import;
using Esrs.Datasets;
using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Unit.Import;

public sealed class DatasetReaderTests
{
    private static string DataFile(string dataset, string file) => Path.Combine(Path.GetDirectoryName(UciExpectations.DataFile)!, "..", dataset, file);

    [Fact]
    public void TaobaoBehavioursBecomeEventTypesUnderTheirShopsPrefix()
    {
        using var file = File.OpenRead(DataFile("taobao-user-behavior-slice", TaobaoUserBehavior.FileName));

        var events = TaobaoUserBehavior.ReadEvents(file, 5_000).ToList();

        Assert.Equal(5_000, events.Count);
        Assert.Equal(new UserEvent
        {
            EventId = "tb-1",
            UserId = "tb:543462",
            Type = EventType.View,
            OccurredAt = new DateTime(2017, 11, 26, 1, 0, 0, DateTimeKind.Utc),
            Source = TaobaoUserBehavior.SourceName,
            ItemId = "tb:1715",
            CategoryPath = "tb:1464116",
        }, events[0]);
        Assert.Equal([EventType.View, EventType.AddToCart, EventType.Purchase, EventType.Favorite], events.Select(e => e.Type).Distinct().Order());
    }

    [Fact]
    public void FlipkartCategoryTreesBecomePaths()
    {
        using var file = File.OpenRead(DataFile("flipkart-product-catalog", FlipkartCatalog.FileName));

        var first = FlipkartCatalog.ReadProducts(file, 1).Single();

        Assert.Equal("Alisha Solid Women's Cycling Shorts", first.Name);
        Assert.Equal("Clothing > Women's Clothing > Lingerie, Sleep & Swimwear > Shorts > Alisha Shorts > Alisha Solid Women's Cycling Shorts", first.CategoryPath);
        Assert.Equal((999m, 379m, "Alisha"), (first.RetailPrice!.Value, first.DiscountedPrice!.Value, first.Brand));
    }

    [Fact]
    public void UciRowsKeepTheirSignAndGoToUtc()
    {
        var rows = UciOnlineRetail.ReadRows(UciExpectations.DataFile, 200).ToList();
        var cancellation = rows.First(r => r.InvoiceNo.StartsWith('C'));

        var e = UciOnlineRetail.ToEvent(cancellation);

        Assert.Equal(EventType.Purchase, e.Type);
        Assert.True(e.Quantity < 0);
        Assert.Equal(DateTimeKind.Utc, e.OccurredAt.Kind);
        Assert.Equal("uci-" + cancellation.RowNumber, e.EventId);
        Assert.Equal(cancellation.InvoiceNo, e.SourceRef);
    }
}
