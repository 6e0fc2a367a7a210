using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>The event type must be one Esrs knows.</summary>
public sealed class EventTypeRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.Type == EventType.Unknown || !Enum.IsDefined(e.Type))
        {
            var raw = e.Attributes is not null && e.Attributes.TryGetValue("type", out var name) ? name : ((int)e.Type).ToString(System.Globalization.CultureInfo.InvariantCulture);
            decisions.Reject(RuleIds.TypeUnknown, "type", $"unknown event type '{raw}'");
        }

        return e;
    }
}
