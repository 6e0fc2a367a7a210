using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>
/// Quantity must fit the type: a negative purchase is a cancellation and a negative add-to-cart
/// a removal (repaired, not rejected); zero and absurd quantities on commerce events are errors;
/// commerce events without a quantity mean one unit.
/// </summary>
public sealed class QuantityRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        var commerce = IsCommerce(e.Type);
        if (e.Quantity is not { } quantity)
        {
            if (commerce)
            {
                decisions.Repair(RuleIds.QuantityDefault, "quantity", "missing quantity taken as 1");
                return e with { Quantity = 1 };
            }

            return e;
        }

        if (Math.Abs((long)quantity) >= context.Options.MaxQuantity)
        {
            decisions.Reject(RuleIds.QuantityAbsurd, "quantity", $"quantity {quantity} reaches the limit of {context.Options.MaxQuantity}");
            return e;
        }

        if (quantity == 0)
        {
            if (commerce)
            {
                decisions.Reject(RuleIds.QuantityZero, "quantity", "quantity is zero");
                return e;
            }

            decisions.Drop(RuleIds.QuantityZero, "quantity", "zero quantity removed");
            return e with { Quantity = null };
        }

        if (quantity > 0)
        {
            return e;
        }

        switch (e.Type)
        {
            case EventType.Purchase:
                decisions.Repair(RuleIds.QuantitySign, "type", $"purchase of {quantity} units is a cancellation of {-quantity}");
                return e with { Type = EventType.Cancel, Quantity = -quantity };
            case EventType.AddToCart:
                decisions.Repair(RuleIds.QuantitySign, "type", $"add-to-cart of {quantity} units is a removal of {-quantity}");
                return e with { Type = EventType.RemoveFromCart, Quantity = -quantity };
            case EventType.Cancel:
            case EventType.RemoveFromCart:
                decisions.Repair(RuleIds.QuantitySign, "quantity", $"negative quantity {quantity} made positive");
                return e with { Quantity = -quantity };
            default:
                decisions.Drop(RuleIds.QuantitySign, "quantity", $"negative quantity {quantity} on a {e.Type} event removed");
                return e with { Quantity = null };
        }
    }

    internal static bool IsCommerce(EventType type) =>
        type is EventType.Purchase or EventType.Cancel or EventType.AddToCart or EventType.RemoveFromCart;
}
