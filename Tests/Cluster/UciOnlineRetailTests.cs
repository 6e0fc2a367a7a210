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

    public static string DataFile => Path.Combine(RepositoryRoot(), "..", "shared", "data", "uci-online-retail", UciOnlineRetail.FileName);

    [Fact]
    public async Task FirstFiveThousandRowsLandAsTheRawFileSays()
    {
        var rows = UciOnlineRetail.ReadRows(DataFile, Rows).ToList();
        var expected = Expect(rows);
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

    private static Expected Expect(List<UciRow> rows)
    {
        var seen = new HashSet<(string, string, int, decimal, DateTime)>();
        var expected = new Expected();
        foreach (var row in rows)
        {
            if (!seen.Add((row.CustomerId, row.StockCode, row.Quantity, row.UnitPrice, row.InvoiceDate)))
            {
                expected.Duplicates++;
                continue;
            }

            var description = row.Description;
            if (description.Length > 0 && (description != description.Trim() || description.Contains("  ", StringComparison.Ordinal)))
            {
                expected.UntidyText++;
            }

            // Rules look at every event, quarantined or not.
            expected.ZeroPrice += row.UnitPrice == 0 ? 1 : 0;
            expected.NegativeQuantities += row.Quantity < 0 && row.Quantity > -10_000 ? 1 : 0;
            var noCustomer = row.CustomerId.Length == 0;
            var badNumbers = row.UnitPrice < 0 || row.Quantity == 0 || Math.Abs(row.Quantity) >= 10_000;
            expected.WithoutCustomer += noCustomer ? 1 : 0;
            if (noCustomer || badNumbers)
            {
                expected.Quarantined++;
                continue;
            }

            var customer = expected.PerCustomer.TryGetValue(row.CustomerId, out var c) ? c : expected.PerCustomer[row.CustomerId] = new Customer();
            if (row.Quantity < 0)
            {
                expected.Cancellations++;
                c = customer with { Cancels = customer.Cancels + 1, Spend = customer.Spend + (row.Quantity * row.UnitPrice) };
            }
            else
            {
                c = customer with { Purchases = customer.Purchases + 1, Spend = customer.Spend + (row.Quantity * row.UnitPrice) };
            }

            expected.PerCustomer[row.CustomerId] = c;
        }

        Assert.True(expected.Duplicates > 0 && expected.WithoutCustomer > 0 && expected.Cancellations > 0 && expected.UntidyText > 0, "the slice should hold the file's dirt");
        return expected;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Esrs.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Esrs.sln not found above the test binaries.");
    }

    private sealed class Expected
    {
        public int Duplicates { get; set; }
        public int WithoutCustomer { get; set; }
        public int Quarantined { get; set; }
        public int Cancellations { get; set; }
        public int NegativeQuantities { get; set; }
        public int UntidyText { get; set; }
        public int ZeroPrice { get; set; }
        public Dictionary<string, Customer> PerCustomer { get; } = [];
    }

    private sealed record Customer(int Purchases = 0, int Cancels = 0, decimal Spend = 0);
}
