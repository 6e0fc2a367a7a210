using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class CommerceRuleTests : RuleTestBase
{
    [Fact]
    public void NegativePurchaseIsRepairedToACancellation()
    {
        var result = Validate(Event(EventType.Purchase) with { Quantity = -3 });

        Assert.Equal(OutcomeKind.Repaired, result.Kind);
        Assert.Equal(EventType.Cancel, result.Event.Type);
        Assert.Equal(3, result.Event.Quantity);
        Assert.Equal(DecisionKind.Repaired, Single(result, RuleIds.QuantitySign).Kind);
    }

    [Fact]
    public void NegativeAddToCartIsRepairedToARemoval()
    {
        var result = Validate(Event(EventType.AddToCart) with { Quantity = -2 });

        Assert.Equal(EventType.RemoveFromCart, result.Event.Type);
        Assert.Equal(2, result.Event.Quantity);
    }

    [Fact]
    public void NegativeCancellationQuantityIsMadePositive()
    {
        var result = Validate(Event(EventType.Cancel) with { Quantity = -2 });

        Assert.Equal(EventType.Cancel, result.Event.Type);
        Assert.Equal(2, result.Event.Quantity);
    }

    [Fact]
    public void NegativeQuantityOnAViewIsDropped()
    {
        var result = Validate(Event() with { Quantity = -1 });

        Assert.False(result.IsRejected);
        Assert.Null(result.Event.Quantity);
        Assert.Equal(DecisionKind.FieldDropped, Single(result, RuleIds.QuantitySign).Kind);
    }

    [Fact]
    public void ZeroQuantityPurchaseIsQuarantined() => Single(Validate(Event(EventType.Purchase) with { Quantity = 0 }), RuleIds.QuantityZero);

    [Fact]
    public void MissingPurchaseQuantityMeansOneUnit()
    {
        var result = Validate(Event(EventType.Purchase) with { Quantity = null });

        Assert.Equal(1, result.Event.Quantity);
        Single(result, RuleIds.QuantityDefault);
    }

    [Theory]
    [InlineData(80_995)]
    [InlineData(-80_995)]
    [InlineData(10_000)]
    public void AbsurdQuantityIsQuarantined(int quantity) =>
        Single(Validate(Event(EventType.Purchase) with { Quantity = quantity }), RuleIds.QuantityAbsurd);

    [Fact]
    public void NegativePriceIsQuarantined() => Single(Validate(Event(EventType.Purchase) with { UnitPrice = -11062.06m }), RuleIds.PriceNegative);

    [Fact]
    public void AbsurdPriceIsQuarantined()
    {
        var options = new ValidationOptions { MaxUnitPrice = 1_000m };

        Assert.False(Validate(Event(EventType.Purchase) with { UnitPrice = 1_000m }, options).IsRejected);
        Single(Validate(Event(EventType.Purchase) with { UnitPrice = 1_000.01m }, options), RuleIds.PriceAbsurd);
    }

    [Fact]
    public void ZeroPriceIsKeptAndFlagged()
    {
        var result = Validate(Event(EventType.Purchase) with { UnitPrice = 0m });

        Assert.Equal(OutcomeKind.Accepted, result.Kind);
        Assert.Equal(DecisionKind.Flagged, Single(result, RuleIds.PriceZero).Kind);
    }

    [Theory]
    [InlineData("eur", "EUR")]
    [InlineData(" gbp ", "GBP")]
    public void CurrencyIsWrittenAsAnUpperCaseCode(string raw, string expected)
    {
        var result = Validate(Event(EventType.Purchase) with { Currency = raw });

        Assert.Equal(expected, result.Event.Currency);
        Single(result, RuleIds.CurrencyNormalised);
    }

    [Theory]
    [InlineData("euro")]
    [InlineData("€")]
    [InlineData("E1R")]
    public void CurrencyThatIsNoCodeIsDropped(string raw)
    {
        var result = Validate(Event(EventType.Purchase) with { Currency = raw });

        Assert.False(result.IsRejected);
        Assert.Null(result.Event.Currency);
        Single(result, RuleIds.CurrencyInvalid);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("post")]
    [InlineData("BANK CHARGES")]
    [InlineData("gift_0001_20")]
    public void ServiceCodesAreKeptAndFlaggedAsNonProducts(string item)
    {
        var result = Validate(Event(EventType.Purchase) with { ItemId = item });

        Assert.False(result.IsRejected);
        Assert.True(result.Has(RuleIds.NonProductItem));
    }

    [Fact]
    public void ProductCodesAreNotFlagged() => Assert.False(Validate(Event(EventType.Purchase) with { ItemId = "85123A" }).Has(RuleIds.NonProductItem));
}
