using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>The event type must be one Esrs knows.</summary>
public sealed class EventTypeRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.Type == EventType.Unknown || !Enum.IsDefined(e.Type))
        {
            // The spelling the source used when it sent one; a type number outside the contract as that number; none: missing.
            var detail = e.Attributes is not null && e.Attributes.TryGetValue("type", out var name) ? $"unknown event type '{name}'"
                : e.Type == EventType.Unknown ? "event type is missing"
                : $"unknown event type '{((int)e.Type).ToString(System.Globalization.CultureInfo.InvariantCulture)}'";
            decisions.Reject(RuleIds.TypeUnknown, "type", detail);
        }

        return e;
    }
}
