using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Each type needs its fields: a search needs a query, item events an item, a rating a rating.</summary>
public sealed class RequiredFieldsRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        switch (e.Type)
        {
            case EventType.Search:
                if (string.IsNullOrWhiteSpace(e.Query))
                {
                    decisions.Reject(RuleIds.RequiredField, "query", "a search needs a query");
                }

                break;
            case EventType.Rating:
                RequireItem(e, ref decisions);
                if (e.Rating is null)
                {
                    decisions.Reject(RuleIds.RequiredField, "rating", "a rating event needs a rating");
                }

                break;
            case EventType.Unknown:
                break;
            default:
                RequireItem(e, ref decisions);
                break;
        }

        return e;
    }

    private static void RequireItem(UserEvent e, ref DecisionList decisions)
    {
        if (string.IsNullOrWhiteSpace(e.ItemId))
        {
            decisions.Reject(RuleIds.RequiredField, "itemId", $"a {e.Type} event needs an item");
        }
    }
}
