using Esrs.Profiles;
using Esrs.Recommending;

namespace Esrs.Tests.Recommending;

/// <summary>The re-ranker's signals and blend, on a profile written by hand and scores computed by hand.</summary>
public sealed class CandidateRankerTests
{
    private const int Digits = 9;

    private static readonly RankCandidate[] Candidates =
    [
        new() { ItemId = "X", Title = "Red  table lamp" },
        new() { ItemId = "A" },
        new() { ItemId = "B" },
        new() { ItemId = "C", CategoryPath = "Shoes / Running / Trail", Brand = "nike" },
    ];

    [Fact]
    public void WithBlendZeroTheProfileAloneOrdersTheCandidates()
    {
        var result = new CandidateRanker(new RankOptions()).Rank(Profile(), Candidates, blend: 0);

        // A: item 10/10 · 0.30 + recent 1/(1+1) · 0.10 = 0.35. B: 5/10 · 0.30 + 1 · 0.10 = 0.25.
        // C: category 2 of 3 segments shared · 4/4 · 0.20 = 0.1333 + brand 3/3 · 0.15 = 0.2833.
        // X: both words of the search "red lamp" in the title: 2 · 2/2 / 2 · 0.15 = 0.15.
        Assert.True(result.Personalised);
        Assert.Equal(["A", "C", "B", "X"], result.Items.Select(i => i.ItemId));
        Assert.Equal([0.35, Math.Round(0.15 + (0.2 * 2 / 3), Digits), 0.25, 0.15], result.Items.Select(i => Math.Round(i.Score, Digits)));
        var c = result.Items[1];
        Assert.Equal([new Because("brand", "nike", 0.15), new Because("category", "shoes/running", 0.1333)], c.Because);
        Assert.Equal(new Because("search", "red lamp", 0.15), result.Items[3].Because.Single());
    }

    [Fact]
    public void WithBlendOneTheEnginesOrderIsKept()
    {
        var result = new CandidateRanker(new RankOptions()).Rank(Profile(), Candidates, blend: 1);

        Assert.Equal(["X", "A", "B", "C"], result.Items.Select(i => i.ItemId));
        Assert.Equal([1, 0.75, 0.5, 0.25], result.Items.Select(i => Math.Round(i.Score, Digits)));
    }

    [Fact]
    public void TheEnginesScoresAreNormalisedToTheirMaximumAndBlended()
    {
        RankCandidate[] scored = [Candidates[0] with { Score = 8 }, Candidates[1] with { Score = 2 }, Candidates[2] with { Score = 4 }, Candidates[3] with { Score = 0 }];

        var result = new CandidateRanker(new RankOptions()).Rank(Profile(), scored, blend: 0.5);

        // X: 0.5 · 8/8 + 0.5 · 0.15 = 0.575; A: 0.5 · 0.25 + 0.5 · 0.35 = 0.3; B: 0.5 · 0.5 + 0.5 · 0.25 = 0.375; C: 0.5 · 0.2833.
        Assert.Equal(["X", "B", "A", "C"], result.Items.Select(i => i.ItemId));
        Assert.Equal([0.575, 0.375, 0.3, Math.Round(0.5 * (0.15 + (0.2 * 2 / 3)), Digits)], result.Items.Select(i => Math.Round(i.Score, Digits)));
    }

    [Fact]
    public void AUserWithoutAProfileGetsTheCandidatesAsGivenAndFlagged()
    {
        var result = new CandidateRanker(new RankOptions()).Rank(new ProfileState(), Candidates, blend: 0);

        Assert.False(result.Personalised);
        Assert.Equal(["X", "A", "B", "C"], result.Items.Select(i => i.ItemId));
        Assert.All(result.Items, i => Assert.Empty(i.Because));
    }

    [Fact]
    public void TaggedAttributesMatchTheCandidatesAttributesOrItsTitleAndPriceIsClosenessToTheMeanPurchase()
    {
        var profile = Profile();
        profile.Attributes["COLOR"] = 0; // no weight: never a match
        profile.Attributes["COLOR=navy blue"] = 6;
        profile.Attributes["MATERIAL=oak"] = 3;
        profile.Spend["GBP"] = 40m;
        profile.Counts[(int)Events.EventType.Purchase] = 4;
        RankCandidate[] candidates =
        [
            new() { ItemId = "P", Attributes = new Dictionary<string, string> { ["color"] = "Navy  Blue" } },
            new() { ItemId = "Q", Title = "Oak side table" },
            new() { ItemId = "R", Title = "Oaken chest", Price = 20m },
        ];

        var result = new CandidateRanker(new RankOptions()).Rank(profile, candidates, blend: 0);

        // P: 6/6 · 0.10; Q: "oak" as a word of the title, 3/6 · 0.10; R: no whole-word "oak", price 20 against a mean of 10: 0.5 · 0.05.
        Assert.Equal([("P", 0.1), ("Q", 0.05), ("R", 0.025)], result.Items.Select(i => (i.ItemId, Math.Round(i.Score, Digits))));
        Assert.Equal("COLOR=navy blue", result.Items[0].Because.Single().Value);
    }

    private static ProfileState Profile()
    {
        var state = new ProfileState { LastSeen = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc) };
        state.Items["A"] = 10;
        state.Items["B"] = 5;
        state.RecentItems.AddRange(["B", "A"]);
        state.Categories["shoes/running"] = 4;
        state.Categories["home"] = 2;
        state.Brands["Nike"] = 3;
        state.SearchTerms["red lamp"] = 2;
        return state;
    }
}
