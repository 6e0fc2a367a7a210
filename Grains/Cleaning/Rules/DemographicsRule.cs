using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Age must be 0..120; gender is normalised from any common spelling. Bad values are dropped, the event is kept.</summary>
public sealed class DemographicsRule : IEventRule
{
    public const int MaxAge = 120;

    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        int? age = e.Age;
        if (age is { } years && (years < 0 || years > MaxAge))
        {
            decisions.Drop(RuleIds.AgeRange, "age", $"age {years} is outside 0..{MaxAge}");
            age = null;
        }

        var gender = e.Gender;
        if (gender is not null)
        {
            var normalised = GenderNormalizer.Normalize(gender);
            if (normalised is null)
            {
                decisions.Drop(RuleIds.GenderUnknown, "gender", $"'{gender}' is not a recognised gender");
            }
            else if (!string.Equals(normalised, gender, StringComparison.Ordinal))
            {
                decisions.Repair(RuleIds.GenderNormalised, "gender", $"'{gender}' written as '{normalised}'");
            }

            gender = normalised;
        }

        return age == e.Age && ReferenceEquals(gender, e.Gender) ? e : e with { Age = age, Gender = gender };
    }
}
