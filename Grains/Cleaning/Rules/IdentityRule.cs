using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>
/// Every event needs an event id of at most <see cref="MaxEventIdLength"/> characters and a valid user id, and must be
/// sent to that user's grain. (An id is a producer's key, not content: a longer one is a producer's bug, and an accepted
/// event's id is kept in the event log.)
/// </summary>
public sealed class IdentityRule : IEventRule
{
    /// <summary>Longest event id, in UTF-16 code units (a UUID is 36, an order line id some 20-60).</summary>
    public const int MaxEventIdLength = 256;

    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (string.IsNullOrWhiteSpace(e.EventId))
        {
            decisions.Reject(RuleIds.EventIdMissing, "eventId", "event id is missing or blank");
        }
        else if (e.EventId.Length > MaxEventIdLength)
        {
            decisions.Reject(RuleIds.EventIdTooLong, "eventId", $"event id is {e.EventId.Length} characters long; at most {MaxEventIdLength} are allowed");
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
