using Esrs.Catalogue;
using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Catalogue;

/// <summary>Catalogue cleaning on hand-made records: each rule, its decision kind, the raw record kept, and what the feed learns.</summary>
public sealed class CatalogueCleanerTests
{
    private static readonly DateTime Now = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
    private readonly CatalogueCleaner _cleaner = new(new ValidationOptions());
    private readonly CatalogueFeedState _feed = new();

    private static CatalogueRecord Record(string id, string? title = "Nike Air Zoom Pegasus Running Shoe", string? brand = "Nike",
        string? category = "Footwear > Men's Footwear > Sports Shoes", decimal? list = 4999m, decimal? sale = 3999m, string? currency = "INR") =>
        new() { ItemId = id, Title = title, Brand = brand, CategoryPath = category, ListPrice = list, SalePrice = sale, Currency = currency };

    private CleanedRecord Clean(CatalogueRecord record) => _cleaner.Clean(record, "shop", _feed, Now);

    private static string[] Rules(CleanedRecord r) => [.. r.Decisions.Select(d => d.RuleId)];

    [Fact]
    public void ACleanRecordIsAcceptedAsSentAndKeepsItsRawRecord()
    {
        var record = Record("p1");
        var result = Clean(record);
        Assert.Equal(OutcomeKind.Accepted, result.Kind);
        Assert.Empty(result.Decisions);
        var item = result.Item!;
        Assert.Equal(("p1", "shop", "Nike Air Zoom Pegasus Running Shoe", "Nike", 4999m, "INR"), (item.ItemId, item.Source, item.Title, item.Brand, item.ListPrice, item.Currency));
        Assert.Equal("Footwear > Men's Footwear > Sports Shoes", item.CategoryPath);
        Assert.Null(item.CanonicalId);
        Assert.Same(record, item.Raw);
    }

    [Fact]
    public void TitlesAreNormalisedAndStrippedOfMarkupWithTheRawTitleKept()
    {
        var result = Clean(Record("p1", title: "  Nike <b>Air</b>   Zoom &amp; Co\t") with { Description = "<p>Light &amp; fast</p>" });
        Assert.Equal(OutcomeKind.Repaired, result.Kind);
        Assert.Equal("Nike Air Zoom & Co", result.Item!.Title);
        Assert.Equal("Light & fast", result.Item.Description);
        Assert.Equal("  Nike <b>Air</b>   Zoom &amp; Co\t", result.Item.Raw.Title);
        Assert.Contains(result.Decisions, d => d is { RuleId: CatalogueRuleIds.Markup, Field: "title", Kind: DecisionKind.Repaired });
        Assert.Contains(result.Decisions, d => d is { RuleId: RuleIds.TextNormalised, Field: "title" });
        Assert.Contains(result.Decisions, d => d is { RuleId: CatalogueRuleIds.Markup, Field: "description" });
    }

    [Theory]
    // A level cut off by the source goes; so does a last level that is the product's own name.
    [InlineData("Home > Kitchen > Cookware Sets By Pres...", "Home > Kitchen", CatalogueRuleIds.CategoryCutOff, DecisionKind.Repaired)]
    [InlineData("Footwear > Sports Shoes > Nike Air Zoom Pegasus Running Shoe", "Footwear > Sports Shoes", CatalogueRuleIds.CategoryProductName, DecisionKind.Repaired)]
    [InlineData("nike air zoom pegasus running-shoe", null, CatalogueRuleIds.CategoryProductName, DecisionKind.FieldDropped)]
    [InlineData("Nike Air Zoom Pegasus Runn...", null, CatalogueRuleIds.CategoryCutOff, DecisionKind.FieldDropped)]
    public void CategoryPathsLoseCutOffAndProductNameLevels(string path, string? cleaned, string rule, DecisionKind kind)
    {
        var result = Clean(Record("p1", category: path));
        Assert.Equal(cleaned, result.Item!.CategoryPath);
        Assert.Contains(result.Decisions, d => d.RuleId == rule && d.Kind == kind);
        Assert.Equal(path, result.Item.Raw.CategoryPath);
    }

    [Fact]
    public void ABrandIsSpelledAsTheFeedFirstSpelledIt()
    {
        Assert.Equal("Nike", Clean(Record("p1")).Item!.Brand);
        var second = Clean(Record("p2", title: "NIKE Revolution 5", brand: "NIKE "));
        Assert.Equal("Nike", second.Item!.Brand);
        Assert.Contains(second.Decisions, d => d is { RuleId: CatalogueRuleIds.BrandSpelling, Kind: DecisionKind.Repaired });
        Assert.Equal("NIKE ", second.Item.Raw.Brand);
    }

    [Fact]
    public void AMissingBrandIsTakenFromTheTitlesStartWhenTheFeedKnowsItElseFlagged()
    {
        Clean(Record("p1", title: "Mast & Harbour Black Clutch", brand: "Mast & Harbour"));
        var known = Clean(Record("p2", title: "mast harbour Blue Sling Bag", brand: null));
        Assert.Equal("Mast & Harbour", known.Item!.Brand);
        Assert.Contains(known.Decisions, d => d is { RuleId: CatalogueRuleIds.BrandFromTitle, Kind: DecisionKind.Imputed });
        Assert.Equal(OutcomeKind.Accepted, known.Kind); // imputing is not repairing

        var unknown = Clean(Record("p3", title: "Harbour Mast Bag", brand: null));
        Assert.Null(unknown.Item!.Brand);
        Assert.Contains(CatalogueRuleIds.BrandMissing, Rules(unknown));
    }

    [Fact]
    public void ASourceWithoutBrandsIsNotFlaggedForMissingThem()
    {
        var result = Clean(Record("85123A", title: "WHITE HANGING HEART T-LIGHT HOLDER", brand: null, category: null, list: 2.55m, sale: null, currency: "GBP"));
        Assert.Equal(OutcomeKind.Accepted, result.Kind);
        Assert.Empty(result.Decisions);
    }

    [Fact]
    public void ABrandTheTitleDoesNotNameIsFlagged()
    {
        var result = Clean(Record("p1", title: "Air Zoom Pegasus", brand: "Nike"));
        Assert.Contains(result.Decisions, d => d is { RuleId: CatalogueRuleIds.BrandNotInTitle, Kind: DecisionKind.Flagged });
        Assert.Equal(OutcomeKind.Accepted, result.Kind);
    }

    [Theory]
    [InlineData(null, null, "INR", CatalogueRuleIds.PriceMissing)]
    [InlineData(0.0, null, "INR", CatalogueRuleIds.PriceInvalid)]
    [InlineData(-5.0, null, "INR", CatalogueRuleIds.PriceInvalid)]
    [InlineData(100.0, 120.0, "INR", CatalogueRuleIds.SaleAboveList)]
    [InlineData(100.0, null, null, CatalogueRuleIds.CurrencyMissing)]
    [InlineData(100.0, null, "rupees", CatalogueRuleIds.CurrencyInvalid)]
    [InlineData(100.0, null, "inr", RuleIds.CurrencyNormalised)]
    public void PricesAndCurrenciesAreChecked(double? list, double? sale, string? currency, string rule)
    {
        var result = Clean(Record("p1", list: (decimal?)list, sale: (decimal?)sale, currency: currency));
        Assert.Contains(rule, Rules(result));
        Assert.NotNull(result.Item);
    }

    [Fact]
    public void APriceAboveEventsLimitIsAValidCataloguePrice()
    {
        // 250,500 INR is a real sofa; the events' 100,000 limit is not the catalogue's.
        var result = Clean(Record("p1", list: 250_500m, sale: 199_000m));
        Assert.Equal(250_500m, result.Item!.ListPrice);
        Assert.Empty(result.Decisions);
    }

    [Fact]
    public void TheSameProductUnderAnotherIdIsADuplicateListingOfTheFirst()
    {
        Clean(Record("p1"));
        // Same folded title, brand, prices and category.
        var copy = Clean(Record("p9", title: "NIKE air-zoom Pegasus running shoe", category: "footwear > men's footwear > sports shoes", list: 4999.00m));
        Assert.Equal(OutcomeKind.DuplicateByContent, copy.Kind);
        Assert.Equal("p1", copy.Item!.CanonicalId);
        Assert.Contains(CatalogueRuleIds.Duplicate, Rules(copy));

        var otherPrice = Clean(Record("p10", sale: 3499m));
        Assert.Null(otherPrice.Item!.CanonicalId);
        // The first id sent again is itself, not a duplicate of itself.
        Assert.Equal(OutcomeKind.Accepted, Clean(Record("p1")).Kind);
    }

    [Fact]
    public void AnIdThatDiffersOnlyInCaseIsADuplicateListing()
    {
        Clean(Record("85123A", title: "WHITE HANGING HEART T-LIGHT HOLDER", brand: null, category: null, list: 2.55m, sale: null, currency: "GBP"));
        var lower = Clean(Record("85123a", title: "WHITE HANGING HEART T-LIGHT HOLDER", brand: null, category: null, list: 2.95m, sale: null, currency: "GBP"));
        Assert.Equal(OutcomeKind.DuplicateByContent, lower.Kind);
        Assert.Equal("85123A", lower.Item!.CanonicalId);
    }

    [Theory]
    [InlineData("", "A title", CatalogueRuleIds.IdMissing)]
    [InlineData("p1", "   ", CatalogueRuleIds.TitleMissing)]
    [InlineData("p1", null, CatalogueRuleIds.TitleMissing)]
    [InlineData("POST", "POSTAGE", RuleIds.NonProductItem)]
    public void RecordsWithoutIdOrTitleOrThatAreNotProductsAreQuarantined(string id, string? title, string rule)
    {
        var result = Clean(Record(id, title: title));
        Assert.Equal(OutcomeKind.Quarantined, result.Kind);
        Assert.Null(result.Item);
        Assert.Contains(result.Decisions, d => d.RuleId == rule && d.Kind == DecisionKind.Rejected);
        Assert.Empty(_feed.Products);
        Assert.Empty(_feed.Brands);
    }

    [Fact]
    public void AnOverlongIdIsQuarantined()
    {
        var result = Clean(Record(new string('x', CatalogueCleaner.MaxIdLength + 1)));
        Assert.Equal(OutcomeKind.Quarantined, result.Kind);
        Assert.Contains(CatalogueRuleIds.IdInvalid, Rules(result));
    }
}
