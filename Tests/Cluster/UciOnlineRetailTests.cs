using Esrs.Client.Import;
using Esrs.Events;
using Esrs.Tests.Support;

namespace Esrs.Tests.Cluster;

/// <summary>
/// The first 5,000 invoice lines of UCI Online Retail through the user grains. Expected counts
/// come from the raw rows, computed here without the rule engine.
/// </summary>
[Collection(SqliteClusterCollection.Name)]
public sealed class UciOnlineRetailTests(SqliteClusterFixture fixture)
{
    private const int Rows = 5_000;

    public static string DataFile => UciExpectations.DataFile;

    [Fact]
    public async Task FirstFiveThousandRowsLandAsTheRawFileSays()
    {
        var rows = UciOnlineRetail.ReadRows(DataFile, Rows).ToList();
        var expected = UciExpectations.From(rows);
        var events = rows.Select(UciOnlineRetail.ToEvent).ToList();

        var outcomes = new List<EventOutcome>();
        foreach (var group in events.GroupBy(UserGrainKeys.For))
        {
            var result = await fixture.Grains.GetGrain<IUserGrain>(group.Key).IngestAsync(group.ToList());
            outcomes.AddRange(result.Outcomes);
        }

        Assert.Equal(Rows, outcomes.Count);
        Assert.Equal(expected.Duplicates, outcomes.Count(o => o.Kind == OutcomeKind.DuplicateByContent));
        Assert.Equal(0, outcomes.Count(o => o.Kind == OutcomeKind.DuplicateById));
        Assert.Equal(expected.WithoutCustomer, RuleCount(outcomes, RuleIds.UserMissing));
        Assert.Equal(expected.Quarantined, outcomes.Count(o => o.Kind == OutcomeKind.Quarantined));
        Assert.Equal(expected.NegativeQuantities, RuleCount(outcomes, RuleIds.QuantitySign));
        Assert.Equal(expected.UntidyText, RuleCount(outcomes, RuleIds.TextNormalised));
        Assert.Equal(expected.ZeroPrice, RuleCount(outcomes, RuleIds.PriceZero));

        foreach (var (customer, want) in expected.PerCustomer)
        {
            var profile = await fixture.Grains.GetGrain<IUserGrain>(customer).GetProfileAsync();
            Assert.Equal(want.Purchases, profile.Counts.GetValueOrDefault(EventType.Purchase));
            Assert.Equal(want.Cancels, profile.Counts.GetValueOrDefault(EventType.Cancel));
            Assert.Equal(want.Spend, profile.Spend.GetValueOrDefault("GBP"));
        }

        var again = await fixture.Grains.GetGrain<IUserGrain>(events[0].UserId).IngestAsync([events[0]]);
        Assert.Equal(OutcomeKind.DuplicateById, again.Outcomes.Single().Kind);
    }

    private static int RuleCount(List<EventOutcome> outcomes, string ruleId) => outcomes.Count(o => o.Decisions.Any(d => d.RuleId == ruleId));
}
