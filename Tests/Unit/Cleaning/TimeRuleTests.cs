using Esrs.Cleaning;
using Esrs.Events;

namespace Esrs.Tests.Unit.Cleaning;

public sealed class TimeRuleTests : RuleTestBase
{
    [Fact]
    public void MissingTimeIsQuarantined() => Single(Validate(Event() with { OccurredAt = default }), RuleIds.TimeMissing);

    [Fact]
    public void TimeWithinTheSkewIsAccepted() =>
        Assert.False(Validate(Event() with { OccurredAt = Now.AddMinutes(4) }).IsRejected);

    [Fact]
    public void TimeMoreThanFiveMinutesAheadIsQuarantined() =>
        Single(Validate(Event() with { OccurredAt = Now.AddMinutes(5).AddSeconds(1) }), RuleIds.TimeInFuture);

    [Fact]
    public void TimeBeyondTheConfiguredHorizonIsQuarantined()
    {
        var options = new ValidationOptions { MaxAge = TimeSpan.FromDays(90) };

        Assert.False(Validate(Event() with { OccurredAt = Now.AddDays(-89) }, options).IsRejected);
        Single(Validate(Event() with { OccurredAt = Now.AddDays(-91) }, options), RuleIds.TimeTooOld);
    }

    [Fact]
    public void LocalTimeIsRepairedToUtc()
    {
        var local = DateTime.SpecifyKind(Now.AddHours(-1), DateTimeKind.Local);

        var result = Validate(Event() with { OccurredAt = local });

        Assert.Equal(OutcomeKind.Repaired, result.Kind);
        Assert.Equal(DateTimeKind.Utc, result.Event.OccurredAt.Kind);
        Single(result, RuleIds.TimeToUtc);
    }

    [Fact]
    public void UnspecifiedTimeIsReadAsUtc()
    {
        var unspecified = DateTime.SpecifyKind(Now.AddHours(-1), DateTimeKind.Unspecified);

        var result = Validate(Event() with { OccurredAt = unspecified });

        Assert.Equal(OutcomeKind.Accepted, result.Kind);
        Assert.Equal(DateTimeKind.Utc, result.Event.OccurredAt.Kind);
        Assert.Equal(unspecified.Ticks, result.Event.OccurredAt.Ticks);
    }
}
