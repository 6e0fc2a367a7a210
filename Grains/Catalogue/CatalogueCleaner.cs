using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Esrs.Cleaning;
using Esrs.Cleaning.Rules;
using Esrs.Events;

namespace Esrs.Catalogue;

/// <summary>A catalogue record after cleaning: the item to store (null: quarantined), its outcome kind and every decision.</summary>
public readonly record struct CleanedRecord(CatalogueItem? Item, OutcomeKind Kind, IReadOnlyList<RuleDecision> Decisions);

/// <summary>
/// Cleans catalogue records one at a time with the events' rule machinery (decision lists, rule ids, the text and
/// non-product rules) and what the feed has taught it (<see cref="CatalogueFeedState"/>): text normalised and markup
/// removed, cut-off and product-name category levels dropped, brands spelled as the feed first spelled them or taken
/// from the title's start when missing, prices checked, duplicate listings of one product under other ids linked to the
/// first (as is an id that differs from an earlier one only in case). Raw values are kept in the item. Not thread-safe (one source grain at a time).
/// </summary>
public sealed class CatalogueCleaner(ValidationOptions validation, decimal maxPrice = 10_000_000m)
{
    /// <summary>Longest item id accepted (ids are keys, not text).</summary>
    public const int MaxIdLength = 200;

    /// <summary>Most title words the brand lookup tries.</summary>
    private const int MaxBrandWords = 6;

    /// <summary>Cleans <paramref name="raw"/> and teaches <paramref name="feed"/> its brand and product (unless it is quarantined).</summary>
    public CleanedRecord Clean(CatalogueRecord raw, string source, CatalogueFeedState feed, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(feed);
        var decisions = default(DecisionList);
        var id = TextNormalizer.Normalize(raw.ItemId, MaxIdLength + 1, out var idChanged, out _);
        if (id is null)
        {
            decisions.Reject(CatalogueRuleIds.IdMissing, "itemId", "a catalogue record needs an item id");
        }
        else if (id.Length > MaxIdLength)
        {
            decisions.Reject(CatalogueRuleIds.IdInvalid, "itemId", $"an item id is at most {MaxIdLength} characters");
        }
        else if (idChanged)
        {
            decisions.Repair(RuleIds.TextNormalised, "itemId", "whitespace and Unicode normalised");
        }

        if (id is not null && NonProductItemRule.IsNonProduct(id, validation.NonProductItems))
        {
            decisions.Reject(RuleIds.NonProductItem, "itemId", $"'{id}' is a non-product code (postage, fees), not a catalogue item");
        }

        var title = Text(raw.Title, "title", ref decisions);
        if (title is null)
        {
            decisions.Reject(CatalogueRuleIds.TitleMissing, "title", "a catalogue item needs a title");
        }

        if (decisions.IsRejected)
        {
            return new CleanedRecord(null, OutcomeKind.Quarantined, decisions.ToList());
        }

        var category = Category(Text(raw.CategoryPath, "categoryPath", ref decisions), title!, ref decisions);
        var brand = Brand(Text(raw.Brand, "brand", ref decisions), title!, feed, ref decisions);
        var description = Text(raw.Description, "description", ref decisions);
        var (list, sale, currency) = Prices(raw, ref decisions);

        string? canonical = null;
        var upper = id!.ToUpperInvariant();
        if (feed.Ids.TryGetValue(upper, out var sameId) && !string.Equals(sameId, id, StringComparison.Ordinal))
        {
            canonical = sameId;
            decisions.Flag(CatalogueRuleIds.Duplicate, "itemId", $"the same id as '{sameId}' but for case");
        }
        else
        {
            feed.Ids.TryAdd(upper, id);
        }

        var key = ProductKey(title!, brand, list, sale, category);
        if (canonical is null && feed.Products.TryGetValue(key, out var first) && !string.Equals(first, id, StringComparison.Ordinal))
        {
            canonical = first;
            decisions.Flag(CatalogueRuleIds.Duplicate, "itemId", $"the same product as '{first}' (title, brand, prices and category) under another id");
        }
        else if (canonical is null)
        {
            feed.Products[key] = id;
        }

        if (brand is not null)
        {
            var folded = CatalogueText.Fold(brand);
            if (feed.Brands.TryAdd(folded, brand))
            {
                feed.LongestBrandWords = Math.Max(feed.LongestBrandWords, Math.Min(MaxBrandWords, folded.Count(c => c == ' ') + 1));
            }
        }

        var list2 = decisions.ToList();
        var item = new CatalogueItem
        {
            ItemId = id,
            Source = source,
            Title = title!,
            CategoryPath = category,
            Brand = brand,
            ListPrice = list,
            SalePrice = sale,
            Currency = currency,
            Description = description,
            CanonicalId = canonical,
            Decisions = list2,
            Raw = raw,
            UpdatedAt = now,
        };
        var kind = canonical is not null ? OutcomeKind.DuplicateByContent : decisions.HasRepairs ? OutcomeKind.Repaired : OutcomeKind.Accepted;
        return new CleanedRecord(item, kind, list2);
    }

    /// <summary>The hash that makes two listings the same product: folded title, brand, both prices and category path.</summary>
    public static ulong ProductKey(string title, string? brand, decimal? list, decimal? sale, string? category)
    {
        var key = string.Join('\u001f', CatalogueText.Fold(title), CatalogueText.Fold(brand), Price(list), Price(sale), CatalogueText.Fold(category));
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key));

        static string Price(decimal? price) => price is { } p ? (p / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture) : "";
    }

    private string? Text(string? value, string field, ref DecisionList decisions)
    {
        if (value is null)
        {
            return null;
        }

        var stripped = CatalogueText.StripMarkup(value);
        if (!ReferenceEquals(stripped, value))
        {
            decisions.Repair(CatalogueRuleIds.Markup, field, "HTML tags and entities removed");
        }

        var cleaned = TextNormalizer.Normalize(stripped, validation.MaxTextLength, out var changed, out var truncated);
        if (truncated)
        {
            decisions.Repair(RuleIds.TextTruncated, field, $"cut to {validation.MaxTextLength} characters");
        }
        else if (changed || (cleaned is null && stripped.Length > 0))
        {
            decisions.Repair(RuleIds.TextNormalised, field, cleaned is null ? "blank text removed" : "whitespace and Unicode normalised");
        }

        return cleaned;
    }

    private static string? Category(string? path, string title, ref DecisionList decisions)
    {
        if (path is null)
        {
            return null;
        }

        var levels = path.Split('>', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (levels.Count > 0 && CatalogueText.IsCutOff(levels[^1]))
        {
            decisions.Repair(CatalogueRuleIds.CategoryCutOff, "categoryPath", $"last level '{levels[^1]}' was cut off by the source; dropped");
            levels.RemoveAt(levels.Count - 1);
        }

        if (levels.Count > 0 && CatalogueText.SameFolded(levels[^1], title))
        {
            levels.RemoveAt(levels.Count - 1);
            if (levels.Count == 0)
            {
                decisions.Drop(CatalogueRuleIds.CategoryProductName, "categoryPath", "the path is the product's own name, not a category");
            }
            else
            {
                decisions.Repair(CatalogueRuleIds.CategoryProductName, "categoryPath", "the last level is the product's own name; dropped");
            }
        }
        else if (levels.Count == 0)
        {
            decisions.Drop(CatalogueRuleIds.CategoryCutOff, "categoryPath", "nothing of the path was left");
        }

        var cleaned = levels.Count == 0 ? null : string.Join(" > ", levels);
        return cleaned;
    }

    private static string? Brand(string? brand, string title, CatalogueFeedState feed, ref DecisionList decisions)
    {
        if (brand is not null)
        {
            var folded = CatalogueText.Fold(brand);
            if (feed.Brands.TryGetValue(folded, out var spelling) && !string.Equals(spelling, brand, StringComparison.Ordinal))
            {
                decisions.Repair(CatalogueRuleIds.BrandSpelling, "brand", $"'{brand}' spelled as the catalogue first spelled it: '{spelling}'");
                brand = spelling;
            }

            if (!ContainsWords(CatalogueText.Fold(title), folded))
            {
                decisions.Flag(CatalogueRuleIds.BrandNotInTitle, "brand", $"'{brand}' does not occur in the title");
            }

            return brand;
        }

        // The longest known brand that the title starts with (whole words).
        var words = CatalogueText.Fold(title).Split(' ');
        for (var n = Math.Min(feed.LongestBrandWords, words.Length); n >= 1; n--)
        {
            if (feed.Brands.TryGetValue(string.Join(' ', words, 0, n), out var known))
            {
                decisions.Add(new RuleDecision(CatalogueRuleIds.BrandFromTitle, DecisionKind.Imputed, "brand", $"'{known}': a catalogue brand the title starts with"));
                return known;
            }
        }

        if (feed.Brands.Count > 0)
        {
            // Only a source that names brands at all misses one.
            decisions.Flag(CatalogueRuleIds.BrandMissing, "brand", "no brand, and the title starts with no known one");
        }

        return null;
    }

    private (decimal? List, decimal? Sale, string? Currency) Prices(CatalogueRecord raw, ref DecisionList decisions)
    {
        var list = CheckPrice(raw.ListPrice, "listPrice", ref decisions);
        var sale = CheckPrice(raw.SalePrice, "salePrice", ref decisions);
        if (list is null && raw.ListPrice is null)
        {
            decisions.Flag(CatalogueRuleIds.PriceMissing, "listPrice", "no list price");
        }

        if (list is { } l && sale is { } s && s > l)
        {
            decisions.Flag(CatalogueRuleIds.SaleAboveList, "salePrice", $"sale price {s} is above the list price {l}");
        }

        var currency = raw.Currency?.Trim().ToUpperInvariant();
        if (currency is { Length: 0 })
        {
            currency = null;
        }

        if (currency is not null && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
        {
            decisions.Drop(CatalogueRuleIds.CurrencyInvalid, "currency", $"'{raw.Currency}' is not an ISO 4217 code");
            currency = null;
        }
        else if (currency is not null && !string.Equals(currency, raw.Currency, StringComparison.Ordinal))
        {
            decisions.Repair(RuleIds.CurrencyNormalised, "currency", $"'{raw.Currency}' written as '{currency}'");
        }

        if (currency is null && (list is not null || sale is not null))
        {
            decisions.Flag(CatalogueRuleIds.CurrencyMissing, "currency", "prices without a currency are not used for events");
        }

        return (list, sale, currency);
    }

    private decimal? CheckPrice(decimal? price, string field, ref DecisionList decisions)
    {
        if (price is not { } p)
        {
            return null;
        }

        if (p <= 0 || p > maxPrice)
        {
            decisions.Drop(CatalogueRuleIds.PriceInvalid, field, $"{p} is not a price (0 < price <= {maxPrice})");
            return null;
        }

        return p;
    }

    private static bool ContainsWords(string foldedText, string foldedWords) =>
        foldedWords.Length > 0 && (" " + foldedText + " ").Contains(" " + foldedWords + " ", StringComparison.Ordinal);
}
