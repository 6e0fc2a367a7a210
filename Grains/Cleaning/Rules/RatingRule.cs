using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Ratings are 1..5: out of range rejects a rating event, and is dropped from any other event.</summary>
public sealed class RatingRule : IEventRule
{
    public const double Min = 1;
    public const double Max = 5;

    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.Rating is not { } rating || (rating >= Min && rating <= Max))
        {
            return e;
        }

        if (e.Type == EventType.Rating)
        {
            decisions.Reject(RuleIds.RatingRange, "rating", $"rating {rating} is outside {Min}..{Max}");
            return e;
        }

        decisions.Drop(RuleIds.RatingRange, "rating", $"rating {rating} is outside {Min}..{Max}");
        return e with { Rating = null };
    }
}
