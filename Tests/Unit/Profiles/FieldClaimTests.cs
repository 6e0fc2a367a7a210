using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Tests.Unit.Profiles;

/// <summary>Fields several sources state: trust, then recency, decides; the losers stay visible; ages grow older.</summary>
public sealed class FieldClaimTests
{
    private static readonly DateTime T0 = new(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly IngestCounters NoCounters = new(0, 0, 0, 0, 0, 0, 0);
    private readonly ProfileBuilder _builder = new(new ProfileOptions { SourceTrust = new() { ["crm"] = 80 } });
    private readonly ProfileState _state = new();

    [Fact]
    public void TheRegistryOutranksEventsWhateverTheirTimeAndTheLosersAreShown()
    {
        _builder.Claim(_state, ProfileFields.Gender, new("female", "accounts", 100, T0, RuleIds.ProfileFromRegistry));
        _builder.Claim(_state, ProfileFields.Gender, new("male", "shop-app", 50, T0.AddDays(10), RuleIds.ProfileFromEvent));

        var view = _builder.ToView(_state, "u", T0.AddDays(11), NoCounters);
        Assert.Equal("female", view.Gender);
        Assert.Equal(new Provenance("accounts", RuleIds.ProfilePrecedence, T0), view.Provenance[ProfileFields.Gender]);
        var conflict = view.Conflicts[ProfileFields.Gender];
        Assert.Equal(("female", "accounts"), (conflict.Winner.Value, conflict.Winner.Source));
        Assert.Equal([("male", "shop-app")], conflict.Losing.Select(c => (c.Value, c.Source)));
    }

    [Fact]
    public void AmongEqualTrustTheNewestWinsAndASourcesOlderClaimIsIgnored()
    {
        // Two event sources of default trust 50 and one of configured trust 80.
        _builder.Claim(_state, ProfileFields.Gender, new("male", "web", 50, T0, RuleIds.ProfileFromEvent));
        _builder.Claim(_state, ProfileFields.Gender, new("female", "app", 50, T0.AddDays(1), RuleIds.ProfileFromEvent));
        Assert.Equal("female", _state.Gender);
        // A late-arriving older claim of "app" does not replace its newer one.
        Assert.False(_builder.Claim(_state, ProfileFields.Gender, new("other", "app", 50, T0.AddHours(1), RuleIds.ProfileFromEvent)));
        Assert.Equal("female", _state.Gender);
        _builder.Claim(_state, ProfileFields.Gender, new("male", "crm", 80, T0, RuleIds.ProfileFromEvent));
        Assert.Equal("male", _state.Gender);
        Assert.Equal(3, _state.Claims[ProfileFields.Gender].Count);
    }

    [Fact]
    public void AnAgeIsKeptAsABirthYearAndGrowsOlderWithTheProfile()
    {
        // An event in mid-2025 saying 34: born 1991 (2025 - 34); read in 2027, the profile says 36.
        _builder.Apply(_state, new UserEvent { EventId = "e1", UserId = "u", Type = EventType.View, OccurredAt = T0, Source = "shop", ItemId = "i", Age = 34 }, default);
        Assert.Equal(34, _builder.ToView(_state, "u", T0, NoCounters).Age);
        Assert.Equal(36, _builder.ToView(_state, "u", T0.AddYears(2), NoCounters).Age);
        Assert.Equal("1991", _state.Claims[ProfileFields.Age].Single().Value);
        Assert.Empty(_builder.ToView(_state, "u", T0, NoCounters).Conflicts);
    }

    [Fact]
    public void ExplainNamesHowEveryFieldIsDerivedAndEveryClaim()
    {
        _builder.Claim(_state, ProfileFields.Age, new("1990", "accounts", 100, T0, RuleIds.ProfileFromRegistry));
        _builder.Claim(_state, ProfileFields.Age, new("1985", "shop", 50, T0, RuleIds.ProfileFromEvent));
        var explain = _builder.Explain(_state);
        Assert.Superset(new HashSet<string> { "counts", "categories", "brands", "items", "searchTerms", "recentItems", "spend", "attributes", "age", "gender" }, explain.Keys.ToHashSet());
        Assert.Equal(["1990", "1985"], explain[ProfileFields.Age].Claims.Select(c => c.Value));
        Assert.Contains("halved every 7 days", explain[ProfileFields.Items].How, StringComparison.Ordinal);
    }
}
