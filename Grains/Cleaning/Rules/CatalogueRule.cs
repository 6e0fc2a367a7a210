using System.Globalization;
using Esrs.Catalogue;
using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>
/// Joins an event to the catalogue item of its item id (fetched before the batch, <see cref="ValidationContext.Catalogue"/>):
/// a missing title, category path, brand or price (with its currency) is filled and marked imputed with the catalogue as
/// provenance; a value the event has and the catalogue states otherwise stays the event's own and is flagged
/// (<see cref="RuleIds.CatalogueDisagrees"/>); an item id the catalogue knows as a duplicate listing becomes the id of the
/// product it duplicates. Texts compare folded (case, spacing, punctuation), a category agrees when one path is a prefix
/// of the other, a price when it is within <see cref="CatalogueOptions.PriceTolerance"/> of the list price.
/// </summary>
public sealed class CatalogueRule(decimal priceTolerance = 2m) : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        // An event already refused (no user, unknown type, broken clock) is kept as sent: nothing to enrich or compare.
        if (context.Catalogue is not { } catalogue || e.ItemId is not { Length: > 0 } itemId || decisions.IsRejected || !catalogue.TryGet(itemId, out var item))
        {
            return e;
        }

        var title = e.ItemTitle;
        if (title is null)
        {
            title = item.Title;
            decisions.Add(new RuleDecision(RuleIds.CatalogueTitle, DecisionKind.Imputed, "itemTitle", $"from catalogue item '{item.ItemId}'"));
        }
        else if (!CatalogueText.SameFolded(title, item.Title))
        {
            decisions.Flag(RuleIds.CatalogueDisagrees, "itemTitle", $"the catalogue's title of '{item.ItemId}' is '{item.Title}'");
        }

        var category = e.CategoryPath;
        if (item.CategoryPath is { } catalogueCategory)
        {
            if (category is null)
            {
                category = catalogueCategory;
                decisions.Add(new RuleDecision(RuleIds.CatalogueCategory, DecisionKind.Imputed, "categoryPath", $"from catalogue item '{item.ItemId}'"));
            }
            else if (!CatalogueText.OnePathStartsTheOther(category, catalogueCategory))
            {
                decisions.Flag(RuleIds.CatalogueDisagrees, "categoryPath", $"the catalogue's category of '{item.ItemId}' is '{catalogueCategory}'");
            }
        }

        var brand = e.Brand;
        if (item.Brand is { } catalogueBrand)
        {
            if (brand is null)
            {
                brand = catalogueBrand;
                decisions.Add(new RuleDecision(RuleIds.CatalogueBrand, DecisionKind.Imputed, "brand", $"from catalogue item '{item.ItemId}'"));
            }
            else if (!CatalogueText.SameFolded(brand, catalogueBrand))
            {
                decisions.Flag(RuleIds.CatalogueDisagrees, "brand", $"the catalogue's brand of '{item.ItemId}' is '{catalogueBrand}'");
            }
        }

        var (price, currency) = (e.UnitPrice, e.Currency);
        if (item.ListPrice is { } list && item.Currency is { } listCurrency)
        {
            if (price is null && (currency is null || string.Equals(currency, listCurrency, StringComparison.OrdinalIgnoreCase)))
            {
                (price, currency) = (list, listCurrency);
                decisions.Add(new RuleDecision(RuleIds.CataloguePrice, DecisionKind.Imputed, "unitPrice", $"list price of catalogue item '{item.ItemId}'"));
            }
            else if (price is { } p && p > 0 && string.Equals(currency, listCurrency, StringComparison.OrdinalIgnoreCase)
                && (p * priceTolerance < list || p > list * priceTolerance))
            {
                decisions.Flag(RuleIds.CatalogueDisagrees, "unitPrice",
                    $"{p.ToString(CultureInfo.InvariantCulture)} is more than {priceTolerance.ToString(CultureInfo.InvariantCulture)}× away from the list price {list.ToString(CultureInfo.InvariantCulture)} {listCurrency}");
            }
        }

        var id = itemId;
        if (item.CanonicalId is { } canonical && !string.Equals(canonical, itemId, StringComparison.Ordinal))
        {
            id = canonical;
            decisions.Repair(RuleIds.CatalogueAlias, "itemId", $"'{itemId}' is a duplicate listing of '{canonical}'");
        }

        if (ReferenceEquals(title, e.ItemTitle) && ReferenceEquals(category, e.CategoryPath) && ReferenceEquals(brand, e.Brand)
            && price == e.UnitPrice && ReferenceEquals(currency, e.Currency) && ReferenceEquals(id, e.ItemId))
        {
            return e;
        }

        return e with { ItemTitle = title, CategoryPath = category, Brand = brand, UnitPrice = price, Currency = currency, ItemId = id };
    }
}
