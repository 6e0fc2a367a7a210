using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Unit prices must be non-negative and plausible; zero prices are kept but flagged.</summary>
public sealed class PriceRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.UnitPrice is not { } price)
        {
            return e;
        }

        if (price < 0)
        {
            decisions.Reject(RuleIds.PriceNegative, "unitPrice", $"unit price {price} is negative");
        }
        else if (price > context.Options.MaxUnitPrice)
        {
            decisions.Reject(RuleIds.PriceAbsurd, "unitPrice", $"unit price {price} is above the limit of {context.Options.MaxUnitPrice}");
        }
        else if (price == 0 && QuantityRule.IsCommerce(e.Type))
        {
            decisions.Flag(RuleIds.PriceZero, "unitPrice", "unit price is zero");
        }

        return e;
    }
}
