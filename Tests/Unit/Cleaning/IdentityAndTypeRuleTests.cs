using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class IdentityAndTypeRuleTests : RuleTestBase
{
    [Theory]
    [InlineData(EventType.Search)]
    [InlineData(EventType.View)]
    [InlineData(EventType.Click)]
    [InlineData(EventType.AddToCart)]
    [InlineData(EventType.RemoveFromCart)]
    [InlineData(EventType.Purchase)]
    [InlineData(EventType.Cancel)]
    [InlineData(EventType.Favorite)]
    [InlineData(EventType.Rating)]
    public void WellFormedEventOfEveryTypeIsAcceptedUntouched(EventType type)
    {
        var e = Event(type);
        var result = Validate(e);

        Assert.Equal(OutcomeKind.Accepted, result.Kind);
        Assert.Same(e, result.Event);
        Assert.Equal(0, result.Decisions.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void BlankEventIdIsQuarantined(string id)
    {
        var result = Validate(Event() with { EventId = id });

        Assert.True(result.IsRejected);
        Assert.Equal(DecisionKind.Rejected, Single(result, RuleIds.EventIdMissing).Kind);
    }

    [Fact]
    public void AnEventIdLongerThan256CharactersIsQuarantinedAndOneOf256IsNot()
    {
        var tooLong = Validate(Event() with { EventId = new string('e', 257) });
        var longest = Validate(Event() with { EventId = new string('e', 256) });

        Assert.True(tooLong.IsRejected);
        Assert.Contains("257 characters", Single(tooLong, RuleIds.EventIdTooLong).Detail, StringComparison.Ordinal);
        Assert.Equal(OutcomeKind.Accepted, longest.Kind);
    }

    [Fact]
    public void AnEventTheGatewayCouldNotReadIsQuarantinedForThatAlone()
    {
        var result = Validate(Event() with { Type = EventType.Unknown, Attributes = new Dictionary<string, string> { [UserEventWire.UnreadableAttribute] = "expected a number (at $[3].unitPrice)" } });

        Assert.True(result.IsRejected);
        Assert.Equal(1, result.Decisions.Count);
        Assert.Equal("expected a number (at $[3].unitPrice)", Single(result, RuleIds.EventUnreadable).Detail);
    }

    [Fact]
    public void BlankUserIsQuarantined()
    {
        var result = Validate(Event() with { UserId = " " }, grainKey: "~unattributed/1");

        Assert.True(result.IsRejected);
        Single(result, RuleIds.UserMissing);
    }

    [Fact]
    public void EventOfAnotherUserIsQuarantined() =>
        Assert.Equal("userId", Single(Validate(Event() with { UserId = "u2" }), RuleIds.UserMismatch).Field);

    [Fact]
    public void AnEventWithoutATypeIsQuarantinedAsMissingOne() =>
        Assert.Equal("event type is missing", Single(Validate(Event() with { Type = EventType.Unknown }), RuleIds.TypeUnknown).Detail);

    [Fact]
    public void UnknownTypeIsQuarantinedWithTheSpellingTheSourceUsed()
    {
        var e = Event() with { Type = EventType.Unknown, Attributes = new Dictionary<string, string> { ["type"] = "wishlist" } };

        var decision = Single(Validate(e), RuleIds.TypeUnknown);

        Assert.Contains("wishlist", decision.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void UndefinedTypeValueIsQuarantined() =>
        Single(Validate(Event() with { Type = (EventType)42 }), RuleIds.TypeUnknown);

    [Fact]
    public void EveryFailingRuleIsReportedNotOnlyTheFirst()
    {
        var result = Validate(Event(EventType.Purchase) with { EventId = "", UnitPrice = -1m, Quantity = 0 });

        var ids = result.Decisions.ToList().Select(d => d.RuleId).ToHashSet();
        Assert.Superset(new HashSet<string> { RuleIds.EventIdMissing, RuleIds.PriceNegative, RuleIds.QuantityZero }, ids);
    }
}
