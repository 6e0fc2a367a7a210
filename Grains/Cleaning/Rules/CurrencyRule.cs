using Esrs.Events;

namespace Esrs.Cleaning.Rules;

/// <summary>Currency codes are three ASCII letters, upper case (ISO 4217); anything else is dropped.</summary>
public sealed class CurrencyRule : IEventRule
{
    public UserEvent Apply(UserEvent e, in ValidationContext context, ref DecisionList decisions)
    {
        if (e.Currency is not { } currency)
        {
            return e;
        }

        var trimmed = currency.AsSpan().Trim();
        if (trimmed.Length != 3 || !char.IsAsciiLetter(trimmed[0]) || !char.IsAsciiLetter(trimmed[1]) || !char.IsAsciiLetter(trimmed[2]))
        {
            decisions.Drop(RuleIds.CurrencyInvalid, "currency", $"'{currency}' is not an ISO 4217 code");
            return e with { Currency = null };
        }

        if (trimmed.Length == currency.Length && char.IsAsciiLetterUpper(trimmed[0]) && char.IsAsciiLetterUpper(trimmed[1]) && char.IsAsciiLetterUpper(trimmed[2]))
        {
            return e;
        }

        var normalised = trimmed.ToString().ToUpperInvariant();
        decisions.Repair(RuleIds.CurrencyNormalised, "currency", $"'{currency}' written as '{normalised}'");
        return e with { Currency = normalised };
    }
}
