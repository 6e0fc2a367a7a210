using Esrs.Catalogue;
using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

/// <summary>Enrichment from the catalogue through the whole rule set: what is filled, what disagrees, aliases, and what is left alone.</summary>
public sealed class CatalogueRuleTests : RuleTestBase
{
    private static readonly Lookup Catalogue = new(
        new CatalogueFacts("sku-1", "Nike Air Zoom Pegasus", "Footwear > Sports Shoes", "Nike", 100m, "EUR", null),
        new CatalogueFacts("sku-1b", "Nike Air Zoom Pegasus", "Footwear > Sports Shoes", "Nike", 100m, "EUR", "sku-1"),
        new CatalogueFacts("sku-2", "Plain Mug", null, null, null, null, null));

    private static ValidationResult Enrich(UserEvent e) =>
        new EventValidator().Validate(e, new ValidationContext(User, Now, new ValidationOptions(), Catalogue));

    [Fact]
    public void MissingTitleCategoryBrandAndPriceAreFilledAsImputedAndTheEventStaysAccepted()
    {
        var result = Enrich(Event(EventType.View));
        Assert.Equal(("Nike Air Zoom Pegasus", "Footwear > Sports Shoes", "Nike", 100m, "EUR"),
            (result.Event.ItemTitle, result.Event.CategoryPath, result.Event.Brand, result.Event.UnitPrice, result.Event.Currency));
        Assert.Equal([RuleIds.CatalogueTitle, RuleIds.CatalogueCategory, RuleIds.CatalogueBrand, RuleIds.CataloguePrice], result.Decisions.ToList().Select(d => d.RuleId));
        Assert.All(result.Decisions.ToList(), d => Assert.Equal(DecisionKind.Imputed, d.Kind));
        Assert.Equal(OutcomeKind.Accepted, result.Kind);
    }

    [Fact]
    public void TheEventKeepsItsOwnValuesAndEachDisagreementIsFlagged()
    {
        var e = Event(EventType.Purchase) with { ItemTitle = "Adidas Ultraboost", CategoryPath = "Clothing", Brand = "Adidas", UnitPrice = 250m, Currency = "EUR" };
        var result = Enrich(e);
        Assert.Equal(("Adidas Ultraboost", "Clothing", "Adidas", 250m), (result.Event.ItemTitle, result.Event.CategoryPath, result.Event.Brand, result.Event.UnitPrice));
        Assert.Equal(["itemTitle", "categoryPath", "brand", "unitPrice"],
            result.Decisions.ToList().Where(d => d.RuleId == RuleIds.CatalogueDisagrees).Select(d => d.Field));
        Assert.All(result.Decisions.ToList().Where(d => d.RuleId == RuleIds.CatalogueDisagrees), d => Assert.Equal(DecisionKind.Flagged, d.Kind));
    }

    [Fact]
    public void SpellingCaseAPrefixPathAndAPriceWithinTheToleranceAgree()
    {
        // 50.01 and 199.99 are within 2x of 100; a path one level short agrees with the longer one.
        foreach (var price in new[] { 50.01m, 199.99m })
        {
            var e = Event(EventType.Purchase) with { ItemTitle = "NIKE air-zoom pegasus", CategoryPath = "footwear", Brand = "nike", UnitPrice = price, Currency = "eur" };
            Assert.DoesNotContain(Enrich(e).Decisions.ToList(), d => d.RuleId == RuleIds.CatalogueDisagrees);
        }

        var cheap = Event(EventType.Purchase) with { UnitPrice = 49.99m, Currency = "EUR" };
        Assert.Contains(Enrich(cheap).Decisions.ToList(), d => d is { RuleId: RuleIds.CatalogueDisagrees, Field: "unitPrice" });
    }

    [Fact]
    public void APriceInAnotherCurrencyIsNeitherFilledNorCompared()
    {
        var result = Enrich(Event(EventType.Purchase) with { UnitPrice = 900m, Currency = "SEK" });
        Assert.Equal((900m, "SEK"), (result.Event.UnitPrice, result.Event.Currency));
        Assert.DoesNotContain(result.Decisions.ToList(), d => d.Field == "unitPrice");
    }

    [Fact]
    public void ADuplicateListingsIdBecomesTheProductsIdAsARepair()
    {
        var result = Enrich(Event(EventType.View) with { ItemId = "sku-1b" });
        Assert.Equal("sku-1", result.Event.ItemId);
        Assert.Contains(result.Decisions.ToList(), d => d is { RuleId: RuleIds.CatalogueAlias, Kind: DecisionKind.Repaired });
        Assert.Equal(OutcomeKind.Repaired, result.Kind);
    }

    [Fact]
    public void ItemsTheCatalogueLacksFieldsForAndUnknownItemsAreLeftAlone()
    {
        var mug = Enrich(Event(EventType.View) with { ItemId = "sku-2" });
        Assert.Equal(["itemTitle"], mug.Decisions.ToList().Select(d => d.Field));
        Assert.Null(mug.Event.CategoryPath);

        var unknown = Event(EventType.View) with { ItemId = "sku-404" };
        Assert.Same(unknown, Enrich(unknown).Event);
        Assert.Same(Event(EventType.Search).Query, Enrich(Event(EventType.Search)).Event.Query);
    }

    [Fact]
    public void AnEventAlreadyRefusedIsKeptAsSent()
    {
        var result = Enrich(Event(EventType.View) with { UserId = "" });
        Assert.True(result.IsRejected);
        Assert.Null(result.Event.ItemTitle);
        Assert.DoesNotContain(result.Decisions.ToList(), d => d.RuleId.StartsWith("catalogue.", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutACatalogueNothingChanges()
    {
        var e = Event(EventType.View);
        Assert.Same(e, Validate(e).Event);
    }

    private sealed class Lookup(params CatalogueFacts[] items) : ICatalogueLookup
    {
        private readonly Dictionary<string, CatalogueFacts> _items = items.ToDictionary(i => i.ItemId);

        public bool TryGet(string itemId, out CatalogueFacts facts) => _items.TryGetValue(itemId, out facts!);
    }
}
