using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class FieldRuleTests : RuleTestBase
{
    [Fact]
    public void SearchWithoutQueryIsQuarantined() =>
        Assert.Equal("query", Single(Validate(Event(EventType.Search) with { Query = null }), RuleIds.RequiredField).Field);

    [Fact]
    public void SearchWhoseQueryIsOnlyWhitespaceIsQuarantined()
    {
        var result = Validate(Event(EventType.Search) with { Query = " \t " });

        Assert.True(result.IsRejected);
        Single(result, RuleIds.RequiredField);
    }

    [Theory]
    [InlineData(EventType.View)]
    [InlineData(EventType.Click)]
    [InlineData(EventType.Purchase)]
    [InlineData(EventType.Favorite)]
    public void ItemEventWithoutItemIsQuarantined(EventType type) =>
        Assert.Equal("itemId", Single(Validate(Event(type) with { ItemId = null }), RuleIds.RequiredField).Field);

    [Fact]
    public void RatingEventWithoutRatingIsQuarantined() =>
        Assert.Equal("rating", Single(Validate(Event(EventType.Rating) with { Rating = null }), RuleIds.RequiredField).Field);

    [Theory]
    [InlineData(0)]
    [InlineData(5.5)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void RatingOutsideOneToFiveQuarantinesARatingEvent(double rating) =>
        Assert.Equal(DecisionKind.Rejected, Single(Validate(Event(EventType.Rating) with { Rating = rating }), RuleIds.RatingRange).Kind);

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(3.5)]
    public void RatingInsideOneToFiveIsAccepted(double rating) => Assert.Equal(OutcomeKind.Accepted, Validate(Event(EventType.Rating) with { Rating = rating }).Kind);

    [Fact]
    public void BadRatingOnAnotherEventIsDroppedNotQuarantined()
    {
        var result = Validate(Event() with { Rating = 9 });

        Assert.False(result.IsRejected);
        Assert.Null(result.Event.Rating);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(121)]
    [InlineData(999)]
    public void AgeOutsideZeroTo120IsDroppedAndTheEventKept(int age)
    {
        var result = Validate(Event() with { Age = age });

        Assert.Equal(OutcomeKind.Repaired, result.Kind);
        Assert.Null(result.Event.Age);
        Assert.Equal(DecisionKind.FieldDropped, Single(result, RuleIds.AgeRange).Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(120)]
    [InlineData(35)]
    public void AgeInsideZeroTo120IsKept(int age) => Assert.Equal(age, Validate(Event() with { Age = age }).Event.Age);

    [Theory]
    [InlineData("F", "female")]
    [InlineData("Female", "female")]
    [InlineData(" woman ", "female")]
    [InlineData("女", "female")]
    [InlineData("女性", "female")]
    [InlineData("M", "male")]
    [InlineData("MALE", "male")]
    [InlineData("男", "male")]
    [InlineData("Herr", "male")]
    [InlineData("non-binary", "other")]
    public void GenderSpellingsAreNormalised(string raw, string expected)
    {
        var result = Validate(Event() with { Gender = raw });

        Assert.Equal(expected, result.Event.Gender);
        Single(result, RuleIds.GenderNormalised);
    }

    [Fact]
    public void NormalisedGenderNeedsNoRepair() => Assert.Equal(OutcomeKind.Accepted, Validate(Event() with { Gender = "female" }).Kind);

    [Theory]
    [InlineData("unknown")]
    [InlineData("?")]
    [InlineData("42")]
    public void UnrecognisedGenderIsDroppedAndTheEventKept(string raw)
    {
        var result = Validate(Event() with { Gender = raw });

        Assert.False(result.IsRejected);
        Assert.Null(result.Event.Gender);
        Assert.Equal(DecisionKind.FieldDropped, Single(result, RuleIds.GenderUnknown).Kind);
    }

    [Fact]
    public void QueryIsTrimmedCollapsedAndNfkcNormalised()
    {
        var result = Validate(Event(EventType.Search) with { Query = "  ｒｅｄ\t\tshoes \u00A0 size  42 " });

        Assert.Equal("red shoes size 42", result.Event.Query);
        Assert.Equal(OutcomeKind.Repaired, result.Kind);
        Single(result, RuleIds.TextNormalised);
    }

    [Fact]
    public void TitleIsCutToTheLengthCap()
    {
        var options = new ValidationOptions { MaxTextLength = 10 };

        var result = Validate(Event() with { ItemTitle = "WHITE HANGING HEART T-LIGHT HOLDER" }, options);

        Assert.Equal("WHITE HANG", result.Event.ItemTitle);
        Single(result, RuleIds.TextTruncated);
    }

    [Fact]
    public void CleanTextIsNotCopied()
    {
        var e = Event(EventType.Search) with { ItemTitle = "Plain title" };

        Assert.Same(e, Validate(e).Event);
    }

    [Fact]
    public void BlankTitleIsRemoved()
    {
        var result = Validate(Event() with { ItemTitle = "   " });

        Assert.Null(result.Event.ItemTitle);
        Single(result, RuleIds.TextNormalised);
    }
}
