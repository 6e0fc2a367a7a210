using Esrs.Catalogue;
using Esrs.Cleaning;
using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Unit.Catalogue;

/// <summary>
/// The whole Flipkart catalogue through the cleaner, as <c>./esrs import flipkart-product-catalog</c> sends it, against
/// the dirt the data set's README counts (an independent source): cut-off paths, missing prices, repeated products,
/// brands spelled several ways.
/// </summary>
public sealed class FlipkartCleaningTests
{
    private static readonly string Folder = Path.Combine(UciExpectations.RepositoryRoot, "..", "shared", "data", "flipkart-product-catalog");

    [Fact]
    public void TheCatalogueIsCleanedAsItsReadmeCountsItsDirt()
    {
        var cleaner = new CatalogueCleaner(new ValidationOptions());
        var feed = new CatalogueFeedState();
        var results = CatalogueImport.Flipkart(Folder, null)
            .Select(r => cleaner.Clean(new CatalogueRecord
            {
                ItemId = r.ItemId!, Title = r.Title, CategoryPath = r.CategoryPath, Brand = r.Brand, ListPrice = r.ListPrice, SalePrice = r.SalePrice,
                Currency = r.Currency, Description = r.Description,
            }, "flipkart", feed, DateTime.UtcNow))
            .ToList();
        int Fired(string rule) => results.Count(r => r.Decisions.Any(d => d.RuleId == rule));

        Assert.Equal(20_000, results.Count);
        Assert.DoesNotContain(results, r => r.Kind == OutcomeKind.Quarantined);
        // README: "category path cut off with ... 1,732"; "missing retail_price and discounted_price 78".
        Assert.Equal(1_732, Fired(CatalogueRuleIds.CategoryCutOff));
        Assert.Equal(78, Fired(CatalogueRuleIds.PriceMissing));
        // README: 3,963 rows repeat an earlier (name, brand, both prices, category path) exactly; folding case and spacing
        // finds those and more, but never more than the 7,324 rows that repeat an earlier name.
        var duplicates = results.Count(r => r.Kind == OutcomeKind.DuplicateByContent);
        Assert.InRange(duplicates, 3_963, 7_324);
        // README: 123 brands are spelled with different case or spacing across rows; each is now spelled one way.
        var respelled = results.Where(r => r.Decisions.Any(d => d.RuleId == CatalogueRuleIds.BrandSpelling)).Select(r => r.Item!.Brand!).Distinct().Count();
        Assert.InRange(respelled, 123, 140);
        var spellings = results.Where(r => r.Item?.Brand is not null).GroupBy(r => CatalogueText.Fold(r.Item!.Brand)).Where(g => g.Select(r => r.Item!.Brand).Distinct().Count() > 1);
        Assert.Empty(spellings);
        // README: 5,861 rows miss a brand; some are named at the start of their title by a brand other rows carry.
        var imputed = Fired(CatalogueRuleIds.BrandFromTitle);
        Assert.Equal(5_861, imputed + Fired(CatalogueRuleIds.BrandMissing));
        Assert.True(imputed > 0);
    }
}
