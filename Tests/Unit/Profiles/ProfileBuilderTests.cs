using Esrs.Cleaning;
using Esrs.Events;
using Esrs.Profiles;

namespace Esrs.Tests.Unit.Profiles;

public sealed class ProfileBuilderTests
{
    private static readonly DateTime T0 = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly IngestCounters NoCounters = new(0, 0, 0, 0, 0, 0, 0);
    private readonly ProfileBuilder _builder = new(new ProfileOptions());
    private readonly ProfileState _state = new();

    [Fact]
    public void InterestHalvesAfterOneHalfLife()
    {
        Apply(View("sku-1", T0));

        var fresh = _builder.ToView(_state, "u1", T0, NoCounters).Items.Single().Weight;
        var week = _builder.ToView(_state, "u1", T0.AddDays(7), NoCounters).Items.Single().Weight;
        var twoWeeks = _builder.ToView(_state, "u1", T0.AddDays(14), NoCounters).Items.Single().Weight;

        Assert.Equal(1.0, fresh, 9);
        Assert.Equal(0.5, week, 9);
        Assert.Equal(0.25, twoWeeks, 9);
    }

    [Fact]
    public void LaterInterestOutweighsEarlierInterestOfTheSameKind()
    {
        Apply(View("old", T0));
        Apply(View("new", T0.AddDays(7)));

        var items = _builder.ToView(_state, "u1", T0.AddDays(7), NoCounters).Items;

        Assert.Equal(["new", "old"], items.Select(i => i.Value));
        Assert.Equal(1.0, items[0].Weight, 9);
        Assert.Equal(0.5, items[1].Weight, 9);
    }

    [Fact]
    public void OutOfOrderEventsDecayFromTheirOwnTime()
    {
        Apply(View("sku-a", T0.AddDays(7)));
        Apply(View("sku-b", T0));

        var items = _builder.ToView(_state, "u1", T0.AddDays(7), NoCounters).Items.ToDictionary(i => i.Value, i => i.Weight);

        Assert.Equal(1.0, items["sku-a"], 9);
        Assert.Equal(0.5, items["sku-b"], 9);
    }

    [Fact]
    public void DecaySurvivesYearsOfEventsWithoutOverflow()
    {
        for (var day = 0; day < 365 * 30; day += 30)
        {
            Apply(View("sku-" + (day % 5), T0.AddDays(day)));
        }

        var items = _builder.ToView(_state, "u1", T0.AddDays(365 * 30), NoCounters).Items;

        Assert.All(items, i => Assert.True(double.IsFinite(i.Weight) && i.Weight > 0));
    }

    [Fact]
    public void SpendIsPurchasesMinusCancellationsPerCurrency()
    {
        Apply(Purchase("sku-1", 3, 2.50m, "GBP"));
        Apply(Purchase("sku-2", 1, 10m, "EUR"));
        Apply(Purchase("sku-1", 1, 2.50m, "GBP") with { Type = EventType.Cancel });

        var spend = _builder.ToView(_state, "u1", T0, NoCounters).Spend;

        Assert.Equal(5.00m, spend["GBP"]);
        Assert.Equal(10m, spend["EUR"]);
    }

    [Fact]
    public void CancellationTakesInterestBack()
    {
        Apply(Purchase("sku-1", 1, 1m, "EUR"));
        Apply(Purchase("sku-1", 1, 1m, "EUR") with { Type = EventType.Cancel });

        Assert.Empty(_builder.ToView(_state, "u1", T0, NoCounters).Items);
    }

    [Fact]
    public void RecentItemsAreDistinctNewestFirstAndBounded()
    {
        var builder = new ProfileBuilder(new ProfileOptions { RecentItems = 3 });
        foreach (var item in new[] { "sku-a", "sku-b", "sku-a", "sku-c", "sku-d" })
        {
            builder.Apply(_state, View(item, T0), Validate(View(item, T0)));
        }

        Assert.Equal(["sku-d", "sku-c", "sku-a"], _state.RecentItems);
    }

    [Fact]
    public void InterestMapsKeepOnlyTheStrongestEntries()
    {
        var builder = new ProfileBuilder(new ProfileOptions { MaxItemInterests = 2 });
        foreach (var (item, times) in new[] { ("sku-a", 3), ("sku-b", 1), ("sku-c", 2) })
        {
            for (var i = 0; i < times; i++)
            {
                builder.Apply(_state, View(item, T0), Validate(View(item, T0)));
            }
        }

        Assert.Equal(["sku-a", "sku-c"], _state.Items.Keys.Order());
    }

    [Fact]
    public void NonProductItemsCountForSpendButNotForInterest()
    {
        Apply(Purchase("POST", 1, 18m, "GBP"));

        var profile = _builder.ToView(_state, "u1", T0, NoCounters);

        Assert.Empty(profile.Items);
        Assert.Equal(18m, profile.Spend["GBP"]);
    }

    [Fact]
    public void DemographicsCarryTheirSourceAndRule()
    {
        Apply(View("sku-1", T0) with { Source = "registry", Gender = "F", Age = 30 });

        var profile = _builder.ToView(_state, "u1", T0, NoCounters);

        Assert.Equal("female", profile.Gender);
        Assert.Equal(30, profile.Age);
        Assert.Equal(new Provenance("registry", RuleIds.GenderNormalised, T0), profile.Provenance[ProfileFields.Gender]);
        Assert.Equal(new Provenance("registry", RuleIds.ProfileFromEvent, T0), profile.Provenance[ProfileFields.Age]);
    }

    [Fact]
    public void CompletenessCountsTheKnownSignals()
    {
        Assert.Equal(0, ProfileBuilder.Completeness(_state));

        Apply(Purchase("sku-1", 1, 1m, "EUR") with { CategoryPath = "Home > Lights", Brand = "Acme" });

        Assert.Equal(4 / 7.0, ProfileBuilder.Completeness(_state), 9);
    }

    [Fact]
    public void CountersAndFirstAndLastSeenFollowEventTime()
    {
        Apply(View("sku-a", T0.AddDays(2)));
        Apply(View("sku-b", T0));
        Apply(Search("lamp", T0.AddDays(1)));

        var profile = _builder.ToView(_state, "u1", T0.AddDays(3), NoCounters);

        Assert.Equal(2, profile.Counts[EventType.View]);
        Assert.Equal(1, profile.Counts[EventType.Search]);
        Assert.Equal(T0, profile.FirstSeen);
        Assert.Equal(T0.AddDays(2), profile.LastSeen);
        Assert.Equal("lamp", profile.SearchTerms.Single().Value);
    }

    private void Apply(UserEvent e)
    {
        var validation = Validate(e);
        Assert.False(validation.IsRejected, string.Join(", ", validation.Decisions.ToList().Select(d => d.RuleId)));
        _builder.Apply(_state, validation.Event, validation);
    }

    private static ValidationResult Validate(UserEvent e) =>
        new EventValidator().Validate(e, new ValidationContext("u1", T0.AddYears(40), new ValidationOptions { MaxAge = TimeSpan.FromDays(365 * 50) }));

    private static UserEvent View(string item, DateTime at) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        UserId = "u1",
        Type = EventType.View,
        OccurredAt = at,
        Source = "test",
        ItemId = item,
    };

    private static UserEvent Purchase(string item, int quantity, decimal price, string currency) =>
        View(item, T0) with { Type = EventType.Purchase, Quantity = quantity, UnitPrice = price, Currency = currency };

    private static UserEvent Search(string query, DateTime at) => View("x", at) with { Type = EventType.Search, ItemId = null, Query = query };
}
