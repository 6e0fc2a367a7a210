using Esrs.Bench.Evaluation;
using Esrs.Client.Import;
using Esrs.Recommending;

namespace Esrs.Tests.Recommending;

/// <summary>The evaluation's ground truth and its two ways of feeding the recommender, on rows small enough to check by hand.</summary>
public sealed class LearnersTests
{
    private static readonly UciRow[] Rows =
    [
        Row(1, "536365", "85123A", 6, "2011-03-01 10:00", "17850"),
        Row(2, "536365", "85123A", 6, "2011-03-01 10:00", "17850"), // the same invoice line again
        Row(3, "536365", "71053", 6, "2011-03-01 10:00", "17850"),
        Row(4, "536366", "POST", 1, "2011-03-02 10:00", "17850"), // postage, not a product
        Row(5, "C536367", "71053", -6, "2011-03-03 10:00", "17850"), // cancels row 3
        Row(6, "536368", "22752", 2, "2011-03-04 10:00", ""), // a guest
        Row(7, "536369", "22752", 1, "2011-10-03 10:00", "17850"), // test period
        Row(8, "536370", "85123A", 1, "2011-10-04 10:00", "17850"), // test period, bought before
        Row(9, "C536371", "21730", -1, "2011-10-05 10:00", "17850"), // test period, a cancellation: not a purchase
        Row(10, "536372", "21730", 1, "2011-10-05 10:00", "13047"), // test only: not evaluated
    ];

    [Fact]
    public void TheSplitReadsProductsPurchasesAndTestCustomersFromTheRawRows()
    {
        var split = UciSplit.Read(Rows);

        Assert.Equal(["85123A", "71053", "22752", "21730"], split.Products);
        var customer = Assert.Single(split.Customers);
        Assert.Equal("17850", customer.CustomerId);
        Assert.Equal(["22752", "85123A"], customer.TestItems.Select(i => split.Products[i]));
        Assert.Equal(["71053", "85123A"], customer.TrainItems.Select(i => split.Products[i]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RawAppliesEveryLineAsWrittenAndEsrsAppliesWhatItCleaned()
    {
        var train = Rows.Where(UciSplit.IsTrain).Select(UciOnlineRetail.ToEvent).ToList();
        var options = new RecommendOptions { HalfLife = TimeSpan.FromDays(10_000_000) };
        var at = UciSplit.CutoffUtc;

        var raw = Learners.Raw(train, options);
        var cleaning = Learners.Clean(train, DateTime.UtcNow);
        var cleaned = Learners.FromCleaned(cleaning.Applied, options);

        // Raw: five lines of 17850 at purchase weight 5 (the cancellation too), the guest under the blank id, postage an item.
        var rawInterest = raw.Users["17850"].Interest(at).ToDictionary(p => p.ItemId, p => Math.Round(p.Interest, 3));
        Assert.Equal(new Dictionary<string, double> { ["85123A"] = 10, ["71053"] = 10, ["POST"] = 5 }, rawInterest);
        Assert.True(raw.Users.ContainsKey(string.Empty));
        Assert.True(raw.Model.TryGetIndex("POST", out _));

        // Esrs: the repeated line is a duplicate, the guest quarantined, the cancellation takes 71053 back, postage is no interest.
        Assert.Equal(1, cleaning.Duplicates);
        Assert.Equal(1, cleaning.Quarantined);
        Assert.Equal(4, cleaning.Applied.Count);
        var cleanInterest = cleaned.Users["17850"].Interest(at).ToDictionary(p => p.ItemId, p => Math.Round(p.Interest, 3));
        Assert.Equal(new Dictionary<string, double> { ["85123A"] = 5 }, cleanInterest);
        Assert.False(cleaned.Users.ContainsKey(string.Empty));
        Assert.False(cleaned.Model.TryGetIndex("POST", out _));
    }

    private static UciRow Row(int number, string invoice, string stockCode, int quantity, string at, string customer) =>
        new(number, invoice, stockCode, stockCode == "POST" ? "POSTAGE" : "ITEM " + stockCode, quantity,
            DateTime.ParseExact(at, "yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), 2.55m, customer, "United Kingdom");
}
