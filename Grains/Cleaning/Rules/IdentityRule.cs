using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Every event needs an event id and a valid user id, and must be sent to that user's grain.</summary>
public sealed class IdentityRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (string.IsNullOrWhiteSpace(e.EventId))
        {
            decisions.Reject(RuleIds.EventIdMissing, "eventId", "event id is missing or blank");
        }

        if (string.IsNullOrWhiteSpace(e.UserId))
        {
            decisions.Reject(RuleIds.UserMissing, "userId", "user id is missing or blank");
        }
        else if (UserIds.Problem(e.UserId) is { } problem)
        {
            decisions.Reject(RuleIds.UserInvalid, "userId", problem);
        }
        else if (!string.Equals(e.UserId, context.GrainKey, StringComparison.Ordinal))
        {
            decisions.Reject(RuleIds.UserMismatch, "userId", $"event of user '{e.UserId}' sent to user '{context.GrainKey}'");
        }

        return e;
    }
}
