namespace Esrs.Catalogue;

/// <summary>
/// Stable ids of the catalogue's cleaning rules (the text and non-product rules are the events' own:
/// <see cref="Events.RuleIds.TextNormalised"/>, <see cref="Events.RuleIds.TextTruncated"/>, <see cref="Events.RuleIds.NonProductItem"/>).
/// </summary>
public static class CatalogueRuleIds
{
    public const string IdMissing = "catalogue.id.missing";
    public const string IdInvalid = "catalogue.id.invalid";
    public const string TitleMissing = "catalogue.title.missing";
    public const string Markup = "catalogue.text.markup";
    public const string CategoryCutOff = "catalogue.category.cut-off";
    public const string CategoryProductName = "catalogue.category.product-name";
    public const string BrandSpelling = "catalogue.brand.spelling";
    public const string BrandFromTitle = "catalogue.brand.from-title";
    public const string BrandMissing = "catalogue.brand.missing";
    public const string BrandNotInTitle = "catalogue.brand.not-in-title";
    public const string PriceMissing = "catalogue.price.missing";
    public const string PriceInvalid = "catalogue.price.invalid";
    public const string SaleAboveList = "catalogue.price.sale-above-list";
    public const string CurrencyMissing = "catalogue.currency.missing";
    public const string CurrencyInvalid = "catalogue.currency.invalid";
    public const string Duplicate = "catalogue.duplicate";
    public const string Updated = "catalogue.item.updated";
}
