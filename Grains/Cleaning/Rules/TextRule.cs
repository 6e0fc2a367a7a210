using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Query, title, category path, brand and item id: NFKC, whitespace collapsed, trimmed, length-capped.</summary>
public sealed class TextRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        var options = context.Options;
        var query = Clean(e.Query, "query", options.MaxQueryLength, ref decisions);
        var title = Clean(e.ItemTitle, "itemTitle", options.MaxTextLength, ref decisions);
        var category = Clean(e.CategoryPath, "categoryPath", options.MaxTextLength, ref decisions);
        var brand = Clean(e.Brand, "brand", options.MaxTextLength, ref decisions);
        var item = Clean(e.ItemId, "itemId", options.MaxTextLength, ref decisions);
        if (ReferenceEquals(query, e.Query) && ReferenceEquals(title, e.ItemTitle) && ReferenceEquals(category, e.CategoryPath)
            && ReferenceEquals(brand, e.Brand) && ReferenceEquals(item, e.ItemId))
        {
            return e;
        }

        return e with { Query = query, ItemTitle = title, CategoryPath = category, Brand = brand, ItemId = item };
    }

    private static string? Clean(string? value, string field, int maxLength, ref DecisionList decisions)
    {
        if (value is null)
        {
            return null;
        }

        var cleaned = TextNormalizer.Normalize(value, maxLength, out var changed, out var truncated);
        if (truncated)
        {
            decisions.Repair(RuleIds.TextTruncated, field, $"cut to {maxLength} characters");
        }
        else if (changed || cleaned is null)
        {
            decisions.Repair(RuleIds.TextNormalised, field, cleaned is null ? "blank text removed" : "whitespace and Unicode normalised");
        }

        return changed || truncated || cleaned is null ? cleaned : value;
    }
}
