using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

/// <summary>Runs events through the full default rule set, as the user grain does.</summary>
public abstract class RuleTestBase
{
    protected static readonly DateTime Now = new(2025, 6, 1, 12, 0, 0, DateTimeKind.Utc);
    protected const string User = "u1";

    protected static UserEvent Event(EventType type = EventType.View) => new()
    {
        EventId = "e1",
        UserId = User,
        Type = type,
        OccurredAt = Now.AddMinutes(-10),
        Source = "test",
        ItemId = type == EventType.Search ? null : "sku-1",
        Query = type == EventType.Search ? "red shoes" : null,
        Quantity = QuantityFor(type),
        UnitPrice = type is EventType.Purchase or EventType.Cancel ? 9.99m : null,
        Currency = type is EventType.Purchase or EventType.Cancel ? "EUR" : null,
        Rating = type == EventType.Rating ? 4 : null,
    };

    protected static ValidationResult Validate(UserEvent e, ValidationOptions? options = null, string grainKey = User) =>
        new EventValidator().Validate(e, new ValidationContext(grainKey, Now, options ?? new ValidationOptions()));

    protected static RuleDecision Single(ValidationResult result, string ruleId) =>
        Assert.Single(result.Decisions.ToList(), d => d.RuleId == ruleId);

    private static int? QuantityFor(EventType type) =>
        type is EventType.Purchase or EventType.Cancel or EventType.AddToCart or EventType.RemoveFromCart ? 1 : null;
}
