using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Occurred-at must be set, not beyond the allowed clock skew in the future, and not older than the horizon.</summary>
public sealed class OccurredAtRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        var at = e.OccurredAt;
        if (at == default || at == DateTime.MinValue || at == DateTime.MaxValue)
        {
            decisions.Reject(RuleIds.TimeMissing, "occurredAt", "occurred-at is missing");
            return e;
        }

        if (at.Kind == DateTimeKind.Local)
        {
            at = at.ToUniversalTime();
            decisions.Repair(RuleIds.TimeToUtc, "occurredAt", "local time converted to UTC");
            e = e with { OccurredAt = at };
        }
        else if (at.Kind == DateTimeKind.Unspecified)
        {
            // Wire formats without an offset are UTC by contract; only the kind is restated.
            at = DateTime.SpecifyKind(at, DateTimeKind.Utc);
            e = e with { OccurredAt = at };
        }

        var options = context.Options;
        if (at > context.Now + options.MaxFutureSkew)
        {
            decisions.Reject(RuleIds.TimeInFuture, "occurredAt", $"occurred-at {at:O} is more than {options.MaxFutureSkew} ahead of {context.Now:O}");
        }
        else if (at < context.Now - options.MaxAge)
        {
            decisions.Reject(RuleIds.TimeTooOld, "occurredAt", $"occurred-at {at:O} is older than the horizon of {options.MaxAge.TotalDays:0} days");
        }

        return e;
    }
}
