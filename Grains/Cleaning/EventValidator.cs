using Esrs.Cleaning.Rules;
using Esrs.Events;

namespace Esrs.Cleaning;

/// <summary>
/// Runs the rule families in order over one event. Identity, type and time come first, text is
/// normalised before the field checks that look at it, and quantity repairs (which may change the
/// type) come before the required-field check of the repaired type. The catalogue fills what the event lacks
/// before the field checks, so a filled price is checked like a sent one.
/// </summary>
public sealed class EventValidator
{
    private readonly IEventRule[] _rules;

    public EventValidator()
        : this(DefaultRules())
    {
    }

    /// <summary>The built-in rules with the catalogue's price tolerance.</summary>
    public EventValidator(decimal cataloguePriceTolerance)
        : this(DefaultRules(cataloguePriceTolerance))
    {
    }

    public EventValidator(IEnumerable<IEventRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = [.. rules];
    }

    /// <summary>The built-in rule families, in the order they run.</summary>
    public static IEventRule[] DefaultRules(decimal cataloguePriceTolerance = 2m) =>
    [
        new IdentityRule(),
        new EventTypeRule(),
        new OccurredAtRule(),
        new TextRule(),
        new QuantityRule(),
        new CatalogueRule(cataloguePriceTolerance),
        new RequiredFieldsRule(),
        new PriceRule(),
        new CurrencyRule(),
        new RatingRule(),
        new DemographicsRule(),
        new NonProductItemRule(),
    ];

    /// <summary>Validates and repairs <paramref name="e"/>; the result says whether it is rejected and why.</summary>
    public ValidationResult Validate(UserEvent e, in ValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(e);
        var decisions = default(DecisionList);
        if (e.Attributes is not null && e.Attributes.TryGetValue(UserEventWire.UnreadableAttribute, out var unreadable))
        {
            // What the gateway could not read is quarantined as it arrived, for that reason alone: the other rules would
            // only judge the fields it could not fill.
            decisions.Reject(RuleIds.EventUnreadable, "event", unreadable);
            return new ValidationResult(e, decisions);
        }

        var current = e;
        foreach (var rule in _rules)
        {
            current = rule.Apply(current, context, ref decisions);
        }

        return new ValidationResult(current, decisions);
    }
}
