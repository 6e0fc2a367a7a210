using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Flags items that are not products (postage, fees, adjustments), so they count for spend but not for interest.</summary>
public sealed class NonProductItemRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.ItemId is { } item && IsNonProduct(item, context.Options.NonProductItems))
        {
            decisions.Flag(RuleIds.NonProductItem, "itemId", $"'{item}' is a non-product code");
        }

        return e;
    }

    /// <summary>True when <paramref name="itemId"/> matches one of the patterns (exact, or prefix with a trailing <c>*</c>), ignoring case.</summary>
    public static bool IsNonProduct(string itemId, IList<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.EndsWith('*')
                ? itemId.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase)
                : string.Equals(itemId, pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
